"""The stage API.

A stage is a small class with a versioned id, a frozen ``Config`` and a cheap,
picklable constructor. Models and other heavy resources load in :meth:`Stage.setup`,
once per worker process, never at import. Under every text stage there is a plain
function ``str -> (str, edits)`` that other pipelines can call without the
document model.

>>> from mtclean.stages.encoding import EncodingStage
>>> stage = EncodingStage()
>>> stage.setup()
>>> stage.fix("cafÃ©")[0]
'café'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Mapping

from mtclean.pipeline.document import Document, StageRecord, Span, config_digest
from mtclean.pipeline.edits import Edit
from mtclean.pipeline.errors import ConfigError


@dataclass(frozen=True)
class StageConfig:
    """Base for stage configs: frozen, keyword-only, JSON-friendly values."""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, stage: str = "") -> "StageConfig":
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ConfigError(
                f"unknown key(s) {', '.join(map(repr, unknown))} for stage {stage or cls.__qualname__}",
                hint="valid keys: " + (", ".join(sorted(fields)) or "none"),
            )
        values = {}
        for name, value in data.items():
            values[name] = _coerce(fields[name], value, stage)
        return cls(**values)

    def replace(self, **changes: Any) -> "StageConfig":
        return dataclasses.replace(self, **changes)


def _coerce(f: dataclasses.Field, value: Any, stage: str) -> Any:
    # Values from TOML or `--set key=value` arrive as str/list; make tuples of lists
    # (configs are frozen and hashable) and check the simple scalar types.
    default = f.default if f.default is not dataclasses.MISSING else None
    if isinstance(value, list):
        return tuple(value)
    if isinstance(default, bool) and not isinstance(value, bool):
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            return value.lower() in ("true", "1", "yes", "on")
        raise ConfigError(f"{stage}.{f.name} must be true or false, not {value!r}")
    if isinstance(default, (int, float)) and not isinstance(default, bool) and isinstance(value, str):
        try:
            return type(default)(value)
        except ValueError:
            raise ConfigError(f"{stage}.{f.name} must be a number, not {value!r}") from None
    if default is None and isinstance(value, str) and str(f.type).replace(" ", "") in ("int|None", "Optional[int]"):
        # An optional number (names.text_year): `--set` spells "unset" as an empty value or "none".
        if value.strip().lower() in ("", "none"):
            return None
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{stage}.{f.name} must be a whole number, not {value!r}") from None
    if isinstance(default, tuple) and isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return value


class Stage:
    """Base class for stages. Subclasses set ``name``, ``version``, ``Config``, ``description``.

    Override :meth:`fix` for a plain text stage, or :meth:`process` when the stage
    needs the whole document (spans, language).
    """

    name: ClassVar[str] = ""
    version: ClassVar[int] = 1
    description: ClassVar[str] = ""
    Config: ClassVar[type[StageConfig]] = StageConfig

    def __init__(self, config: StageConfig | None = None, **overrides: Any):
        config = config if config is not None else self.Config()
        if overrides:
            config = dataclasses.replace(config, **overrides)
        self.config = config
        self._ready = False

    # -- identity -----------------------------------------------------------
    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

    @property
    def config_digest(self) -> str:
        # The config is frozen: digest it once, not once per document.
        digest_ = self.__dict__.get("_config_digest")
        if digest_ is None:
            digest_ = self.__dict__["_config_digest"] = config_digest(self.config)
        return digest_

    # -- lifecycle ------------------------------------------------------------
    def validate(self) -> None:
        """Check what the config names outside itself: files and directories exist and parse.

        Called once in the main process before any input is read or any worker starts,
        so a bad value is one error line, not a failure in every worker. Raise
        :class:`~mtclean.pipeline.errors.ConfigError` (or another ``MtcleanError``);
        load nothing heavy here that :meth:`setup` would load again. The default
        checks nothing: the config's own values are checked when it is built.
        """

    def setup(self) -> None:
        """Load heavy resources. Called once per worker process before processing."""
        self._ready = True

    def teardown(self) -> None:
        self._ready = False

    def __getstate__(self) -> dict[str, Any]:
        # Only the config travels to worker processes; resources are rebuilt by setup().
        return {"config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["config"])

    def ensure_ready(self) -> None:
        """Run :meth:`setup` unless it has run: once, whether or not an override of
        ``setup()`` calls ``super().setup()``. The readiness is kept here, not left to
        overrides, or a stage that forgot the call would be set up for every document."""
        if not getattr(self, "_ready", False):
            self.setup()
            self._ready = True

    _ensure_ready = ensure_ready  # the name the built-in stages call

    # -- processing -----------------------------------------------------------
    def fix(self, text: str, *, lang: str | None = None) -> tuple[str, list[Edit]]:
        """The plain text function: return the new text and the edits made."""
        raise NotImplementedError

    def process(self, doc: Document) -> Document:
        self._ensure_ready()
        new_text, edits = self.fix(doc.text, lang=doc.lang)
        return doc.apply(self.record(doc, edits), new_text)

    def process_batch(self, docs: Iterable[Document]) -> list[Document]:
        return [self.process(d) for d in docs]

    def record(
        self,
        doc: Document,
        edits: Iterable[Edit] = (),
        *,
        suggestions: Iterable[Edit] = (),
        spans: Iterable[Span] = (),
        notes: Iterable[str] = (),
    ) -> StageRecord:
        return StageRecord(
            stage=self.id,
            config_digest=self.config_digest,
            input_digest=doc.text_digest(),
            edits=tuple(edits),
            suggestions=tuple(suggestions),
            spans=tuple(spans),
            notes=tuple(notes),
        )
