"""Carrying regions of one stage's output through the later stages' edits.

Stage *k*'s edits have offsets into its input; their replaced text sits at
``[start', start' + len(after))`` in its output (``invert_edits`` gives those
offsets). Each later record shifts that region or touches it. A region that no
later stage touched maps to the final text exactly, so it can be reverted (or a
suggestion there applied) on the final text alone.

>>> from mtclean.pipeline.edits import Edit
>>> from mtclean.pipeline.document import StageRecord
>>> later = [StageRecord("b.v1", "", "", (Edit(0, 1, "x", "XY", "b.up", "upper"),))]
>>> carry(2, 4, later)
Carried(start=3, end=5, conflict=None)
>>> carry(0, 2, later).conflict
'b.v1'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from mtclean.pipeline.document import StageRecord
from mtclean.pipeline.edits import Edit, map_offset


@dataclass(frozen=True, slots=True)
class Carried:
    start: int
    end: int
    conflict: str | None  # id of the first later stage that changed text inside the region


def touches(e: Edit, start: int, end: int) -> bool:
    """Does edit *e* change text inside ``[start, end)`` (or at the point, for an empty region)?"""
    if start < end:
        if e.start < e.end:
            return e.start < end and start < e.end
        return start < e.start < end  # an insertion strictly inside
    # An empty region (a deletion's trace): text replaced around it, or an insertion at the same point.
    return e.start < start < e.end or e.start == e.end == start


def carry(start: int, end: int, later: Sequence[StageRecord]) -> Carried:
    """Map ``[start, end)`` of one stage's output to the final text through the *later* records.

    Insertions right before the region move it; insertions right after do not
    enter it. When a later stage touched the region the result covers what
    became of it, and ``conflict`` names that stage.
    """
    return carry_all([(start, end)], later)[0]


def carry_all(regions: Sequence[tuple[int, int]], later: Sequence[StageRecord]) -> list[Carried]:
    """:func:`carry` for many regions at once, in one sweep per later record.

    The cost is linear in regions plus edits (a stage with 20,000 edits does not
    make 20,000 passes over the next stage's edits). Results come back in the
    order of *regions*.
    """
    order = sorted(range(len(regions)), key=lambda i: regions[i])
    cur = [[regions[i][0], regions[i][1], None] for i in order]
    for rec in later:
        edits = rec.edits
        n, j, delta = len(edits), 0, 0
        for item in cur:  # starts stay sorted: the mapping never reorders them
            s, t = item[0], item[1]
            while j < n and edits[j].end <= s and not (edits[j].start == edits[j].end == s == t):
                delta += len(edits[j].after) - len(edits[j].before)
                j += 1
            k, hit = j, False
            while k < n and edits[k].start <= t:
                if touches(edits[k], s, t):
                    hit = True
                    break
                k += 1
            if hit:
                item[2] = item[2] or rec.stage
                item[0] = map_offset(edits, s, side="left")
                item[1] = max(item[0], map_offset(edits, t, side="right"))
            else:
                item[0], item[1] = s + delta, t + delta
    out: list[Carried] = [Carried(0, 0, None)] * len(regions)
    for i, item in zip(order, cur):
        out[i] = Carried(item[0], item[1], item[2])
    return out


def find_record(recs: Sequence[StageRecord], stage: str) -> int:
    """Index of the last record of *stage* (a name such as ``punctuation`` or an id such as ``punctuation.v1``)."""
    for i in range(len(recs) - 1, -1, -1):
        if stage in (recs[i].stage, recs[i].stage_name):
            return i
    return -1
