"""Edits: the unit of change every stage records.

An :class:`Edit` replaces ``text[start:end]`` (which must equal ``before``) with
``after``. Offsets are Python string indices (code points) into the text the
stage *received*. The edits of one stage record never overlap, so they can be
applied in one left-to-right pass, inverted, and replayed.

>>> e = Edit(4, 6, "..", ".", rule="punct.double_period", reason="doubled period")
>>> apply_edits("Done.. yes", [e])
'Done. yes'
>>> apply_edits("Done. yes", invert_edits([e]))
'Done.. yes'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping, Sequence


class EditError(ValueError):
    """Edits that do not fit the text they claim to change."""


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    before: str
    after: str
    rule: str
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = {
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "rule": self.rule,
            "reason": self.reason,
        }
        if self.evidence:
            out["evidence"] = dict(self.evidence)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Edit":
        return cls(
            start=int(data["start"]),
            end=int(data["end"]),
            before=data["before"],
            after=data["after"],
            rule=data["rule"],
            reason=data.get("reason", ""),
            evidence=dict(data.get("evidence") or {}),
        )


def check_edits(text: str, edits: Sequence[Edit]) -> None:
    """Raise :class:`EditError` unless *edits* are sorted, disjoint and match *text*."""
    pos = 0
    for e in edits:
        if e.start < pos:
            raise EditError(f"edit {e.rule} at {e.start} overlaps or is out of order (previous ends at {pos})")
        if e.end < e.start or e.end > len(text):
            raise EditError(f"edit {e.rule} has bad range {e.start}:{e.end} for text of length {len(text)}")
        if text[e.start : e.end] != e.before:
            raise EditError(
                f"edit {e.rule} at {e.start}:{e.end} expects {e.before!r} but text has {text[e.start:e.end]!r}"
            )
        if e.before == e.after:
            raise EditError(f"edit {e.rule} at {e.start} changes nothing")
        pos = e.end


def apply_edits(text: str, edits: Sequence[Edit], *, check: bool = True) -> str:
    """Return *text* with *edits* applied (edits sorted by offset, disjoint)."""
    if check:
        check_edits(text, edits)
    parts: list[str] = []
    pos = 0
    for e in edits:
        parts.append(text[pos : e.start])
        parts.append(e.after)
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts)


def invert_edits(edits: Sequence[Edit]) -> list[Edit]:
    """Edits that turn the output of *edits* back into their input."""
    out: list[Edit] = []
    delta = 0
    for e in edits:
        start = e.start + delta
        out.append(replace(e, start=start, end=start + len(e.after), before=e.after, after=e.before))
        delta += len(e.after) - len(e.before)
    return out


def map_offset(edits: Sequence[Edit], offset: int, *, side: str = "left") -> int:
    """Map an offset in the input of *edits* to the matching offset in their output.

    An offset inside a replaced region snaps to the region's start (``side="left"``)
    or end (``side="right"``) in the output.
    """
    delta = 0
    for e in edits:
        if offset < e.start or (offset == e.start and side == "left" and e.end > e.start):
            break
        if offset < e.end or (offset == e.end == e.start and side == "left"):
            return e.start + delta + (0 if side == "left" else len(e.after))
        delta += len(e.after) - len(e.before)
    return offset + delta


def compose(first: Sequence[Edit], second: Sequence[Edit]) -> list[Edit]:
    """One list of edits on the original text equal to applying *first* then *second*.

    *second* holds offsets into the output of *first*. Where edits of the two
    passes overlap or meet at an insertion they merge into one edit whose rule
    and reason name both, so attribution survives while the record stays disjoint.
    """
    if not first:
        return list(second)
    if not second:
        return list(first)
    inv = invert_edits(first)  # intermediate -> original, in intermediate offsets
    items = sorted([(e.start, e.end, 1, e) for e in inv] + [(e.start, e.end, 2, e) for e in second],
                   key=lambda t: (t[0], t[1]))
    groups: list[list[tuple[int, int, int, Edit]]] = []
    group_end = -1
    for item in items:
        if groups and (item[0] < group_end or (item[0] == group_end and _touches(groups[-1], item))):
            groups[-1].append(item)
            group_end = max(group_end, item[1])
        else:
            groups.append([item])
            group_end = item[1]
    merged: list[Edit] = []
    for group in groups:
        firsts = [x[3] for x in group if x[2] == 1]
        seconds = [x[3] for x in group if x[2] == 2]
        mid_start = min(x[0] for x in group)
        mid_end = max(x[1] for x in group)
        region = _region_text(mid_start, mid_end, group)
        before = _apply_local(region, mid_start, firsts)
        after = _apply_local(region, mid_start, seconds)
        if before == after:
            continue  # the second pass undid the first
        start = map_offset(inv, mid_start, side="left")
        parts = [_invert_one(e) for e in firsts] + seconds
        if len(parts) == 1:
            merged.append(replace(parts[0], start=start, end=start + len(before), before=before, after=after))
        else:
            merged.append(Edit(
                start, start + len(before), before, after,
                rule="+".join(_unique(r for e in parts for r in e.rule.split("+"))),
                reason="; ".join(_unique(r for e in parts for r in e.reason.split("; "))),
                evidence={"merged": [e.to_json() for e in parts]},
            ))
    return merged


def _touches(group, item) -> bool:
    # Adjacent edits merge only when one is an insertion at the boundary, otherwise
    # the inverse of the merged record would be ambiguous.
    return item[0] == item[1] or any(x[0] == x[1] for x in group if x[1] == item[0])


def _unique(xs: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for x in xs:
        seen.setdefault(x, None)
    return list(seen)


def _invert_one(e: Edit) -> Edit:
    return replace(e, before=e.after, after=e.before)


def _region_text(start: int, end: int, group) -> str:
    """Intermediate text of [start, end), pieced together from the edits' strings."""
    chars: dict[int, str] = {}
    for _, _, _, e in group:
        for k, ch in enumerate(e.before):
            chars[e.start + k] = ch
    return "".join(chars[k] for k in range(start, end))


def _apply_local(region: str, offset: int, edits: Sequence[Edit]) -> str:
    local = [replace(e, start=e.start - offset, end=e.end - offset) for e in sorted(edits, key=lambda e: e.start)]
    return apply_edits(region, local, check=False)


_TOKENS = re.compile(r"\s+|\S+")


def changed_regions(old: str, new: str, *, tokens: "re.Pattern[str]" = _TOKENS, window: int = 64) -> list[tuple[int, int, int, int]]:
    """``(i1, i2, j1, j2)`` regions where *old* and *new* differ, aligned on whole tokens.

    A greedy walk that resynchronises within *window* tokens after each
    difference: linear for the sparse, local changes that repairs make (difflib
    is quadratic on long, repetitive text), and always correct — a region it
    cannot align is reported whole.
    """
    if old == new:
        return []
    a = [(m.start(), m.end()) for m in tokens.finditer(old)]
    b = [(m.start(), m.end()) for m in tokens.finditer(new)]
    ta = [old[x:y] for x, y in a]
    tb = [new[x:y] for x, y in b]
    out: list[tuple[int, int, int, int]] = []
    i = j = 0
    while i < len(ta) or j < len(tb):
        if i < len(ta) and j < len(tb) and ta[i] == tb[j]:
            i, j = i + 1, j + 1
            continue
        sync = _resync(ta, tb, i, j, window)
        i2, j2 = sync if sync else (len(ta), len(tb))
        start_a = a[i][0] if i < len(a) else len(old)
        end_a = a[i2 - 1][1] if i2 > i else start_a
        start_b = b[j][0] if j < len(b) else len(new)
        end_b = b[j2 - 1][1] if j2 > j else start_b
        out.append((start_a, end_a, start_b, end_b))
        i, j = i2, j2
    return out


def _resync(ta: list[str], tb: list[str], i: int, j: int, window: int) -> tuple[int, int] | None:
    # Smallest total skip (di + dj) after which two tokens in a row agree again
    # (or both texts end).
    for d in range(1, 2 * window + 1):
        for di in range(max(0, d - window), min(d, window) + 1):
            x, y = i + di, j + d - di
            if x > len(ta) or y > len(tb):
                continue
            if x == len(ta) and y == len(tb):
                return x, y
            if x < len(ta) and y < len(tb) and ta[x] == tb[y] and (
                x + 1 >= len(ta) or y + 1 >= len(tb) or ta[x + 1] == tb[y + 1]
            ):
                return x, y
    return None


def diff_edits(before: str, after: str, *, rule: str, reason: str, evidence: Mapping[str, Any] | None = None) -> list[Edit]:
    """Edits turning *before* into *after*, one per changed run of tokens, all under one rule.

    For stages that get a whole rewritten string from a library and need it
    broken into reviewable pieces.
    """
    return [
        Edit(i1, i2, before[i1:i2], after[j1:j2], rule, reason, dict(evidence or {}))
        for i1, i2, j1, j2 in changed_regions(before, after)
    ]


def regex_edits(
    text: str,
    pattern: "re.Pattern[str] | Any",
    replacement: str | Callable[[Any], str | None],
    *,
    rule: str,
    reason: str | Callable[[Any], str],
    group: int | str = 0,
) -> list[Edit]:
    r"""One edit per match of *pattern* whose *replacement* differs from the match.

    *replacement* is a template as for ``re.sub`` (``r"\1"``, ``r"\g<name>"``) or a
    function of the match returning the new text for ``match.group(group)``, or
    ``None`` to leave the match alone. Works with both ``re`` and ``regex`` patterns.
    *reason* is one line, or a function of the match giving it.

    >>> import re
    >>> [(e.before, e.after) for e in regex_edits("an an example", re.compile(r"\b(\w+) \1\b"), r"\1",
    ...                                           rule="demo.repeat", reason="repeated word")]
    [('an an', 'an')]
    """
    if isinstance(replacement, str):
        replacement = _template(replacement)
    elif not callable(replacement):
        raise TypeError(f"replacement must be a str or a function of the match, not {type(replacement).__name__}")
    out: list[Edit] = []
    last = -1
    for m in pattern.finditer(text):
        new = replacement(m)
        start, end = m.span(group)
        old = text[start:end]
        if new is None or new == old or start < last:
            continue
        out.append(Edit(start, end, old, new, rule, reason(m) if callable(reason) else reason))
        last = end if end > start else end + 1
    return out


def _template(template: str) -> Callable[[Any], str]:
    def expand(m: Any) -> str:
        return m.expand(template)

    return expand


def run_passes(text: str, passes: Iterable[Callable[[str], list[Edit]]]) -> tuple[str, list[Edit]]:
    """Run edit-producing passes in order; return the final text and composed edits."""
    edits: list[Edit] = []
    for p in passes:
        step = p(text)
        if step:
            text = apply_edits(text, step)
            edits = compose(edits, step)
    return text, edits
