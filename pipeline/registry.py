"""Find stages by name through the ``mtclean.stages`` entry-point group.

Built-in stages are declared in pyproject.toml like any plugin's, so installing a
package that declares the group is all it takes to add a stage.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from mtclean.pipeline.errors import ConfigError, UnknownStageError

GROUP = "mtclean.stages"


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def available() -> list[str]:
    return sorted(_entry_points())


def entry_point(name: str) -> EntryPoint:
    try:
        return _entry_points()[name]
    except KeyError:
        raise UnknownStageError(name, available()) from None


def load(name: str) -> type:
    """The stage class registered under *name*."""
    ep = entry_point(name)
    try:
        cls = ep.load()
    except Exception as exc:  # a broken plugin should name itself, not crash the CLI
        raise ConfigError(f"stage {name!r} failed to load from {ep.value}: {exc}") from exc
    return cls


def provider(name: str) -> str:
    ep = entry_point(name)
    dist = getattr(ep, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else ep.value.split(":")[0]
