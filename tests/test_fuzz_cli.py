"""Fuzzing `mtclean cleanup` end to end (issue 23's standing defence).

Random bytes, random text mixing mojibake, quotes and scripts, and random JSON Lines records go
through ``cleanup --report``, then ``revert --to input``; for every input: the exit code is 0 or
2, the output is valid UTF-8 (valid JSON where JSON came in), fields other than the cleaned one
are byte-identical, revert gives the input back byte for byte, and a second cleanup changes
nothing. Bounded and derandomized in `make test`; `make fuzz` runs many more random examples.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from mtclean.pipeline import jsonl
from mtclean.pipeline.cli import main

LONG = "MTCLEAN_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(max_examples=int(os.environ.get("MTCLEAN_FUZZ_EXAMPLES", 25)), deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
PIECES = ["Ã©", "Ã", "â€œ", "â€", "Ð¿Ñ€", "Î³", "–ü—", "“", "”", "«", "»", "„", "‘", "’", '"', "'", "..", "...",
          " -", " , ", ",,", "\n", "\r\n", "\n\n", " ", "Kiev", "Zelenski", "Emauel Macron", "post -war", "Да",
          "日本", "\u00a0", "&amp;", "\ufeff", "http://kiev.ua/Kiev..", "\x1b[31m", "\t"]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=16).map("".join)


def _clean(tmp: Path, name: str, capsys) -> tuple[int, bytes]:
    code = main(["cleanup", name, "-o", f"out-{name}", "--report", f"r-{name}.jsonl", "--lang", "en", "-q"])
    capsys.readouterr()
    out = tmp / f"out-{name}"
    return code, out.read_bytes() if out.exists() else b""


def _round_trip(tmp: Path, name: str, data: bytes, capsys, monkeypatch) -> bytes | None:
    monkeypatch.chdir(tmp)
    (tmp / name).write_bytes(data)
    code, out = _clean(tmp, name, capsys)
    assert code in (0, 2)
    if code == 2:
        return None  # refused (not UTF-8, binary...): nothing written is checked by the fault tests
    out.decode("utf-8")
    code = main(["revert", f"r-{name}.jsonl", "--to", "input", "-o", f"back-{name}"])
    capsys.readouterr()
    assert code == 0
    assert (tmp / f"back-{name}").read_bytes() == data  # byte-exact revert
    (tmp / f"again-{name}").write_bytes(out)
    code, twice = _clean(tmp, f"again-{name}", capsys)
    assert code == 0 and twice == out  # a second cleanup changes nothing
    return out


@FUZZ
@given(st.one_of(st.binary(max_size=64), texts.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_bytes_as_a_text_file(tmp_path_factory, capsys, monkeypatch, data):
    _round_trip(tmp_path_factory.mktemp("t"), "doc.txt", data, capsys, monkeypatch)


_other = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(["1e5", "-0", "1.10", "1e400"]),
                   st.text(max_size=6), texts)


@st.composite
def records(draw):
    """A JSON Lines file: records with a text field and others, spelt in any legal way."""
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        parts = []
        keys = draw(st.lists(st.sampled_from(["id", "ref", "meta", "text", "x"]), max_size=5))
        keys.insert(draw(st.integers(0, len(keys))), "text")  # every record has one (a record without is kept
        for key in keys:                                      # and makes the run exit 2: see test_cli)
            if key == "text":
                value = jsonl.escape_surrogates(json.dumps(draw(texts), ensure_ascii=draw(st.booleans())))
            else:
                v = draw(_other)
                value = v if isinstance(v, str) and v in ("1e5", "-0", "1.10", "1e400") else json.dumps(v)
            parts.append(f"{json.dumps(key)}{draw(st.sampled_from(['', ' ']))}:{value}")
        lines.append("{" + ", ".join(parts) + "}")
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return (end.join(lines) + end).encode("utf-8")


def _fields(line: str) -> dict[str, str]:
    return {k: line[s:e] for k, (s, e) in jsonl.member_spans(line).items()}


@FUZZ
@given(records())
def test_any_json_lines_records(tmp_path_factory, capsys, monkeypatch, data):
    out = _round_trip(tmp_path_factory.mktemp("j"), "doc.jsonl", data, capsys, monkeypatch)
    if out is None:
        return
    # (split on "\n" only: str.splitlines would also cut at U+0085 and U+2028 inside strings)
    for before, after in zip(data.decode("utf-8").split("\n"), out.decode("utf-8").split("\n")):
        if not before.strip():
            assert after == before
            continue
        json.loads(after)  # valid JSON
        old, new = _fields(before), _fields(after)
        assert list(old) == list(new)
        assert {k: v for k, v in old.items() if k != "text"} == {k: v for k, v in new.items() if k != "text"}
