"""The examples in docstrings run (ftfy style): documentation that cannot rot."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import mtclean.pipeline
import mtclean.stages

MODULES = sorted(
    m.name for pkg in (mtclean.pipeline, mtclean.stages)
    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
    if not m.name.endswith(("ray_engine", "__main__"))
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
