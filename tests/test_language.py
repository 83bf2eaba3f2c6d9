from __future__ import annotations

import pytest

from conftest import shared_data
from mtclean.pipeline import language


def test_detect_is_deterministic_and_seeded():
    text = "Dies ist ein kurzer deutscher Satz über das Wetter in Berlin."
    assert {language.detect(text) for _ in range(5)} == {"de"}


@pytest.mark.parametrize("text, expected", [
    ("The government said on Tuesday that the new rules would come into force next year.", "en"),
    ("Le gouvernement a annoncé mardi que les nouvelles règles entreraient en vigueur.", None),
    ("La polizia ha detto che la situazione era sotto controllo dopo la partita.", None),
    ("Too short.", None),
    ("Το υπουργείο ανακοίνωσε ότι τα νέα μέτρα θα ισχύσουν από τον επόμενο μήνα.", None),
])
def test_quick_check_only_settles_plain_english(text, expected):
    assert language.quick_language(text) == expected


def test_quick_check_falls_back_to_langdetect():
    assert language.detect("Le gouvernement a annoncé mardi que les nouvelles règles entreraient en vigueur.") == "fr"


def test_quick_check_never_calls_other_languages_english():
    folder = shared_data("lingua-language-testdata", "sentences")
    wrong = []
    for f in sorted(folder.glob("*.txt")):
        if f.stem == "en":
            continue
        lines = f.read_text(encoding="utf-8").splitlines()[:300]
        for doc in [*lines, *(" ".join(lines[i:i + 5]) for i in range(0, len(lines), 5))]:
            if language.quick_language(doc) == "en":
                wrong.append((f.stem, doc[:60]))
    assert not wrong, wrong[:5]
