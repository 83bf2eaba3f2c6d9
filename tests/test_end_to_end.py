"""The sample in seeds/ through the default pipeline, as `make demo` runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SEED
from mtclean.pipeline.cli.app import app
from mtclean.pipeline.document import StageRecord
from mtclean.pipeline.edits import apply_edits, invert_edits
from mtclean.pipeline.report import read_report

GOLDEN = Path(__file__).parent / "golden" / "end_to_end"
EXPECTED = (GOLDEN / "coalition-of-the-willing-el-en.expected.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    out, report = tmp / "out.txt", tmp / "report.jsonl"
    r = CliRunner().invoke(app, ["cleanup", str(SEED), "-o", str(out), "--report", str(report), "--verify", "-q"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    (entry,) = read_report(report)
    return out.read_text(encoding="utf-8"), entry


def test_matches_golden_output(run):
    text, _ = run
    assert text == EXPECTED


@pytest.mark.parametrize("before, after", [
    ("[παγωμένα ρωσικά]", "[frozen Russian]"),
    ("” Yes, but", "“Yes, but"),
    ("will last. “he said", "will last.” he said"),
    ("United States”saye..", "United States” saye."),
    ("ceasefire”the prime", "ceasefire” the prime"),
    ("enough’said", "enough’ said"),
    ("The leaders ‘They also", "The leaders “They also"),
    ("morning debate »said", "morning debate” said"),
    ("post -war", "post-war"),
    ("Secretary -General", "Secretary-General"),
    ("right -wing", "right-wing"),
    ("30 -day", "30-day"),
    ("Emauel Macron", "Emmanuel Macron"),
    ("Ursula von der Laien", "Ursula von der Leyen"),
    ("Georgia Meloni", "Giorgia Meloni"),
    ("Volodimir Zelenski", "Volodymyr Zelensky"),
    ("Mike Walts", "Mike Waltz"),
    ("30 Kiev allies", "30 Kyiv allies"),
])
def test_every_listed_defect_is_repaired(run, before, after):
    text, _ = run
    assert before not in text and after in text


@pytest.mark.parametrize("kept", [
    "television profession", "ceaseless ceasefire", "Saturday’s call", "European Council – but not the US",
    "but … we cannot", "Thursday’s military", "‘Sooner or later’", "Recep Tayyip Erdogan",
    "“coalition of the willing”", "European Council leader Antonio.",
])
def test_correct_and_mistranslated_text_is_left_alone(run, kept):
    text, _ = run
    assert kept in text


def test_report_replays_and_inverts_to_the_input(run):
    text, entry = run
    original = SEED.read_text(encoding="utf-8")
    recs = [StageRecord.from_json(r) for r in entry["records"]]
    assert [r.stage.split(".")[0] for r in recs] == ["encoding", "fragments", "translate", "punctuation", "names"]
    current = original
    for rec in recs:
        current = apply_edits(current, rec.edits)
    assert current == text
    for rec in reversed(recs):
        current = apply_edits(current, invert_edits(rec.edits))
    assert current == original
    (span,) = [s for r in recs for s in r.spans]
    assert (span.text, span.lang) == ("παγωμένα ρωσικά", "el")
    assert all(e.reason for r in recs for e in r.edits)


def test_second_run_changes_nothing(tmp_path):
    src = tmp_path / "cleaned.txt"
    src.write_text(EXPECTED, encoding="utf-8")
    r = CliRunner().invoke(app, ["cleanup", str(src), "--check", "-q"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
