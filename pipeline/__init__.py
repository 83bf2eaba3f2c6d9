"""mtclean's core: documents, edits, the stage API, configuration and the runner.

>>> from mtclean.pipeline import Pipeline, load_config
>>> pipe = Pipeline.from_config(load_config(only=["encoding"], lang="en"))
>>> pipe.run_text("SchÃ¶n").text
'Schön'
"""

from mtclean.pipeline.config import PipelineConfig, load_config
from mtclean.pipeline.document import Document, Span, StageRecord
from mtclean.pipeline.edits import Edit, apply_edits, compose, invert_edits, regex_edits, run_passes
from mtclean.pipeline.errors import ConfigError, InputError, MtcleanError
from mtclean.pipeline.report import document_entry, read_report, read_run, run_header
from mtclean.pipeline.runner import Pipeline
from mtclean.pipeline.stage import Stage, StageConfig

__all__ = [
    "ConfigError", "Document", "Edit", "InputError", "MtcleanError", "Pipeline", "PipelineConfig",
    "Span", "Stage", "StageConfig", "StageRecord", "apply_edits", "compose", "document_entry", "invert_edits",
    "load_config", "read_report", "read_run", "regex_edits", "run_header", "run_passes",
]
