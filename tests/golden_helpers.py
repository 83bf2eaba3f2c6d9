"""Shared checks for golden cases: output, replay, inversion, idempotence."""

from __future__ import annotations

import json
from pathlib import Path

from mtclean.pipeline.edits import apply_edits, check_edits, invert_edits

GOLDEN = Path(__file__).parent / "golden"


def load_cases(stage: str) -> list[dict]:
    cases = []
    for f in sorted((GOLDEN / stage).glob("*.json")):
        for case in json.loads(f.read_text(encoding="utf-8")):
            case.setdefault("file", f.name)
            cases.append(case)
    return cases


def case_id(case: dict) -> str:
    return case.get("label", case.get("input", "")[:30])


def check_case(fix, case: dict) -> None:
    """*fix* is a plain ``str -> (str, edits)`` stage function."""
    text = case["input"]
    out, edits = fix(text)
    assert out == case["expected"], case.get("label")
    check_edits(text, edits)
    assert apply_edits(text, edits) == out, "edits do not replay"
    assert apply_edits(out, invert_edits(edits)) == text, "edits do not invert"
    again, more = fix(out)
    assert again == out and not more, f"not idempotent: {more}"
    for e in edits:
        assert e.rule and e.reason and "\n" not in e.reason
