"""Pipeline configuration: an ordered stage list and one table per stage.

Read from TOML (``mtclean.toml``)::

    [pipeline]
    stages = ["encoding", "punctuation", "names"]
    lang = "en"          # optional: skip language detection

    [stages.encoding]
    homoglyphs = true

Nothing is global: a :class:`PipelineConfig` is built once and passed explicitly.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from mtclean.pipeline import registry
from mtclean.pipeline.errors import ConfigError

# The default order: repair bytes first, then find foreign fragments (so later
# stages can leave them alone), translate them, repair punctuation, names last.
DEFAULT_STAGES: tuple[str, ...] = ("encoding", "fragments", "translate", "punctuation", "names")

PIPELINE_KEYS = {"stages", "lang", "verify"}
TOP_KEYS = {"pipeline", "stages"}


@dataclass(frozen=True)
class PipelineConfig:
    stages: tuple[str, ...]
    stage_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    lang: str | None = None
    verify: bool = False

    def build(self) -> list:
        """Instantiate the stages (cheap: nothing loads until setup())."""
        out = []
        for name in self.stages:
            cls = registry.load(name)
            options = dict(self.stage_options.get(name, {}))
            out.append(cls(cls.Config.from_mapping(options, stage=name)))
        return out


def default_stages() -> tuple[str, ...]:
    installed = set(registry.available())
    return tuple(s for s in DEFAULT_STAGES if s in installed)


def load_config(
    path: str | Path | None = None,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    overrides: Sequence[str] = (),
    lang: str | None = None,
    verify: bool | None = None,
    glossary_dir: str | Path | None = None,
    project_glossaries: bool = True,
) -> PipelineConfig:
    """Build a config from an optional TOML file, then CLI overrides on top.

    Stages that read glossaries (a ``glossary_dirs`` option) and are not told which
    get the project glossary directory (*glossary_dir*, ``$MTCLEAN_GLOSSARY_DIR`` or
    ``./glossaries``, see :func:`mtclean.pipeline.glossary.project_dirs`), resolved
    here, once, in the main process. *project_glossaries* False leaves that out.
    """
    data: dict[str, Any] = {}
    if path is not None:
        data = _read_toml(Path(path))
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {sorted(unknown)}", hint=f"valid: {sorted(TOP_KEYS)}")
    pipe = dict(data.get("pipeline", {}))
    bad = set(pipe) - PIPELINE_KEYS
    if bad:
        raise ConfigError(f"{path}: unknown key(s) {sorted(bad)} in [pipeline]", hint=f"valid: {sorted(PIPELINE_KEYS)}")
    stages = tuple(pipe.get("stages") or default_stages())
    options: dict[str, dict[str, Any]] = {k: dict(v) for k, v in data.get("stages", {}).items()}

    known = set(registry.available())
    # A name that is not a stage is a typo, whether it adds a stage, leaves one out or
    # configures one: refused with the list of names, never silently ignored.
    for name in [*stages, *options, *_split(only), *_split(skip)]:
        if name not in known:
            registry.entry_point(name)  # raises with the list of names
    if only:
        stages = tuple(_split(only))
    if skip:
        skipped = set(_split(skip))
        stages = tuple(s for s in stages if s not in skipped)
    for item in overrides:
        key, sep, value = item.partition("=")
        stage, dot, option = key.strip().partition(".")
        if not sep or not dot or not option:
            raise ConfigError(f"bad override {item!r}", hint="use --set STAGE.KEY=VALUE")
        if stage not in known:
            registry.entry_point(stage)
        if stage not in stages:
            raise ConfigError(f"--set {key.strip()}: stage {stage!r} is not in this run",
                              hint="stages run: " + (", ".join(stages) or "none"))
        options.setdefault(stage, {})[option] = value.strip()
    for name, table in options.items():
        if name not in stages:  # a config file's table for a stage left out of this run: still checked
            cls = registry.load(name)
            cls.Config.from_mapping(table, stage=name)
    if project_glossaries:
        _default_glossary_dirs(stages, options, glossary_dir)
    lang = lang or pipe.get("lang")
    if lang is not None:
        check_lang(lang)
    cfg = PipelineConfig(
        stages=stages,
        stage_options=options,
        lang=lang,
        verify=bool(pipe.get("verify", False)) if verify is None else verify,
    )
    cfg.build()  # validates every stage's options now, before any input is read
    return cfg


def _default_glossary_dirs(stages: Sequence[str], options: dict[str, dict[str, Any]],
                           glossary_dir: str | Path | None) -> None:
    from mtclean.pipeline.glossary import project_dirs

    wanting = [name for name in stages if "glossary_dirs" in _fields(registry.load(name).Config)
               and "glossary_dirs" not in options.get(name, {})]
    dirs = list(project_dirs(glossary_dir)) if wanting or glossary_dir else []  # a named directory must exist
    if dirs:
        for name in wanting:
            options.setdefault(name, {})["glossary_dirs"] = dirs


def _fields(config_class: type) -> set[str]:
    import dataclasses

    return {f.name for f in dataclasses.fields(config_class)}


def check_lang(lang: str) -> None:
    import langcodes

    if not isinstance(lang, str) or not langcodes.tag_is_valid(lang):
        raise ConfigError(f"unknown language code {lang!r}", hint="use a BCP 47 / ISO 639 code such as en, el, pt-BR")


def _split(values: Sequence[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
