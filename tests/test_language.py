from __future__ import annotations

import functools

import pytest
from hypothesis import given, strategies as st

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
    ("I got bit!", None),
    ("They said it was over.", "en"),  # few words, but words only English uses that much
    ("no me sale nada", None),  # "no" is more Spanish than English
    ("They aren't out to hurt you, he said.", "en"),  # clitics looked up whole
    ("Why has President Trump given up so much?", "en"),
    ("Vovozinha sua linda http://t.co/RVWm594Q www.example.com @someone", None),  # URLs are not words
    ("the new rules в исполнении were announced today", None),  # words in another script count against
    ("Dimenzije Tiralice za Abrahamko so 33cm x 22cm.", None),  # units and single letters say nothing
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


@functools.lru_cache(maxsize=1)
def _stock_factory():
    # A factory of its own: the pipeline's turns its profile rows into numpy arrays.
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = language.SEED
    return factory


def _stock_and_fast(text: str):
    """(langdetect's own probabilities, mtclean's FastDetector's) for *text*, same profiles and seed."""
    from langdetect.lang_detect_exception import LangDetectException

    from mtclean.pipeline.detector import FastDetector

    out = []
    for make in (_stock_factory().create, lambda: FastDetector(language._factory())):
        detector = make()
        detector.append(text)
        try:
            out.append([(p.lang, p.prob) for p in detector.get_probabilities()])
        except LangDetectException as e:
            out.append(str(e))
    return out


SAMPLES = [
    "The government said on Tuesday that the new rules would come into force next year.",
    "Le gouvernement a annoncé mardi que les nouvelles règles entreraient en vigueur.",
    "Die Regierung teilte am Dienstag mit, dass die neuen Regeln im nächsten Jahr gelten.",
    "Το υπουργείο ανακοίνωσε ότι τα νέα μέτρα θα ισχύσουν από τον επόμενο μήνα.",
    "Правительство заявило во вторник, что новые правила вступят в силу в следующем году.",
    "de", "ok", "12345", "!!!", "Zelensky", "παγωμένα ρωσικά", "Why has President Trump given up so much?",
    "The café opened — «très bien» — and 東京 and مرحبا were on the menu.",
]


def _agree(stock, fast) -> bool:
    """Same languages in the same order, probabilities equal to 1e-9 (or the same error)."""
    if isinstance(stock, str) or isinstance(fast, str):
        return stock == fast
    return [lang for lang, _ in stock] == [lang for lang, _ in fast] and all(
        abs(p - q) < 1e-9 for (_, p), (_, q) in zip(stock, fast))


@pytest.mark.parametrize("text", SAMPLES)
def test_fast_detector_gives_langdetects_probabilities(text):
    assert _agree(*_stock_and_fast(text))


@pytest.mark.parametrize("text", SAMPLES)
def test_without_the_replayed_stream_it_is_langdetect_bit_for_bit(text, monkeypatch):
    # The fallback when the raw-stream replay does not match this Python's random module.
    from mtclean.pipeline import detector

    monkeypatch.setattr(detector, "_stream", lambda seed: None)
    stock, fast = _stock_and_fast(text)
    assert fast == stock


def test_the_replayed_stream_is_this_pythons_random():
    import random

    from mtclean.pipeline import detector

    stream = detector._stream(language.SEED)
    assert stream is not None  # else every detection takes the slow path
    rnd = random.Random(language.SEED)
    assert [int(x) for x in stream.raw[:1000]] == [rnd.getrandbits(32) for _ in range(1000)]


@given(st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzäéßαβγабвгاب東京 .,'"), max_size=60))
def test_fast_detector_agrees_with_langdetect_on_any_text(text):
    # Any n-gram count: 0, 1, powers of two (where choice's rejection sampling is at its edge), many.
    assert _agree(*_stock_and_fast(text))


@pytest.mark.parametrize("text", ["a", "ab", "é", "abcdefgh", "x" * 64, "ab " * 100, "Zelensky " * 300])
def test_fast_detector_agrees_on_edge_sizes(text):
    assert _agree(*_stock_and_fast(text))


def test_fast_detector_matches_langdetect_in_30_languages():
    folder = shared_data("lingua-language-testdata", "sentences")
    differ = []
    for f in sorted(folder.glob("*.txt")):
        for line in f.read_text(encoding="utf-8").splitlines()[:12]:
            stock, fast = _stock_and_fast(line)
            if not _agree(stock, fast):
                differ.append((f.stem, line[:50], stock, fast))
    assert not differ, differ[:3]


def _same_top(text: str) -> bool:
    full = language.guesses(text)
    return language.top_language(text) == (full[0].lang if full else None)


@pytest.mark.parametrize("text", SAMPLES)
def test_decisive_detection_gives_the_full_runs_top_language(text):
    assert _same_top(text)


def test_decisive_detection_on_short_items_in_74_languages():
    folder = shared_data("lingua-language-testdata", "word-pairs")
    texts = [line for f in sorted(folder.glob("*.txt")) for line in f.read_text("utf-8").splitlines()[:3]]
    assert [t for t in texts if not _same_top(t)] == []


def test_profile_matrix_holds_langdetects_own_probabilities():
    import numpy as np

    stock, ours = _stock_factory(), language._factory()
    assert ours.langlist == stock.langlist
    assert list(ours.word_lang_prob_map) == list(stock.word_lang_prob_map)
    matrix = ours.profile_matrix
    assert all(np.array_equal(matrix[ours.word_lang_prob_map[gram]], row)
               for gram, row in stock.word_lang_prob_map.items())


def _both_ngrams(text: str) -> tuple[list[str], list[str]]:
    """(langdetect's _extract_ngrams, FastDetector's word-at-a-time n-grams) for *text*."""
    from langdetect.detector import Detector

    from mtclean.pipeline.detector import FastDetector

    detector = FastDetector(language._factory())
    detector.append(text)
    detector.cleaning_text()
    return Detector._extract_ngrams(detector), detector._ngrams()


@pytest.mark.parametrize("text", [
    *SAMPLES, "", " ", "  a  ", "x", "NATO's USA-based UN", "ABC def GHi jKL", "a\u3000b", "Tiếng Việt",
    "日本語のテキスト", "한국어", "«Ça va?» — oui…", "Ωραία ΜΕΡΑ", "𝔘𝔫𝔦", "trailing space ", "\tTab\nline\r\n",
])
def test_ngrams_are_langdetects_in_the_same_order(text):
    stock, fast = _both_ngrams(text)
    assert fast == stock


@given(st.text(max_size=80))
def test_ngrams_are_langdetects_on_any_unicode(text):
    stock, fast = _both_ngrams(text)
    assert fast == stock


def test_ngrams_are_langdetects_in_30_languages():
    folder = shared_data("lingua-language-testdata", "sentences")
    lines = [line for f in sorted(folder.glob("*.txt")) for line in f.read_text("utf-8").splitlines()[:40]]
    assert [line for line in lines if (lambda s, f: s != f)(*_both_ngrams(line))] == []


def test_ngrams_stay_right_when_the_word_table_starts_again(monkeypatch):
    from mtclean.pipeline import detector

    monkeypatch.setattr(detector._WordGrams, "LIMIT", 2)
    for text in [*SAMPLES, "Qwzx vbnq Plokij uhbygv", "Qwzx Mnbvc qwzx"]:  # words seen before, and new ones
        stock, fast = _both_ngrams(text)
        assert fast == stock
    assert len(language._factory().word_grams) <= 2


def _both_appended(text: str, max_length: int = 10_000) -> tuple[str, str]:
    """(langdetect's Detector.append, FastDetector.append) of *text*: the text each detects on."""
    from langdetect.detector import Detector

    from mtclean.pipeline.detector import FastDetector

    out = []
    for detector in (Detector(language._factory()), FastDetector(language._factory())):
        detector.set_max_text_length(max_length)
        detector.append(text)
        detector.append(text)  # a second append starts its own run of spaces
        out.append(detector.text)
    return out[0], out[1]


@pytest.mark.parametrize("text", [
    *SAMPLES, "", " ", "  ", " a  b   c ", "see https://example.com/x?a=1  and  mail me@example.org  now",
    "Tiê\u0301ng Vie\u0323\u0302t", "tab\t\tand  \n\n  lines",
])
def test_appended_text_is_langdetects(text):
    stock, fast = _both_appended(text)
    assert fast == stock


@given(st.text(alphabet=st.sampled_from("ab  \t\n.é\u0301@:/h"), max_size=60), st.integers(0, 70))
def test_appended_text_is_langdetects_on_any_text(text, max_length):
    stock, fast = _both_appended(text, max_length)
    assert fast == stock


def _both_cleaned(text: str) -> tuple[str, str]:
    """(langdetect's cleaning_text, FastDetector's) on *text*."""
    from langdetect.detector import Detector

    from mtclean.pipeline.detector import FastDetector

    out = []
    for detector in (Detector(language._factory()), FastDetector(language._factory())):
        detector.text = text
        detector.cleaning_text()
        out.append(detector.text)
    return out[0], out[1]


@pytest.mark.parametrize("text", [
    *SAMPLES, "", "abc", "Ωραία μέρα ABC", "Ωρ AB", "ТАСС: Москва [x]^_`", "Tiếng Việt ẠẠẠ ab", "日本 ab",
])
def test_cleaned_text_is_langdetects(text):
    stock, fast = _both_cleaned(text)
    assert fast == stock


@given(st.text(alphabet=st.sampled_from("aZ[_`{ \u02ff\u0300αж\u1e00\u1effá日\U0001f600"), max_size=40))
def test_cleaned_text_is_langdetects_on_any_text(text):
    stock, fast = _both_cleaned(text)
    assert fast == stock


def test_texts_detected_together_get_the_answers_they_get_alone():
    folder = shared_data("lingua-language-testdata", "sentences")
    texts = [*SAMPLES, "", "!!!", "a", "Study History", "I got bit!'"]
    texts += [line for f in sorted(folder.glob("*.txt")) for line in f.read_text("utf-8").splitlines()[:6]]
    alone = [language.detect(t, default="xx") for t in texts]
    assert language.detect_many(texts, default="xx") == alone
    # In batches of any size, and one by one through langdetect itself.
    from mtclean.pipeline import detector

    for size in (1, 7, 64):
        together = []
        for i in range(0, len(texts), size):
            together += detector.top_languages(language._factory(), texts[i:i + size])
        assert [language._normalize(x) if x else None for x in together] == [language.top_language(t) for t in texts]


@given(st.lists(st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzäéßαβγабвг東京 .,'"), max_size=50),
                max_size=6))
def test_texts_detected_together_on_any_text(texts):
    assert language.detect_many(texts) == [language.detect(t) for t in texts]


def test_texts_detected_together_without_the_replayed_stream(monkeypatch):
    from mtclean.pipeline import detector

    expected = [language.top_language(t) for t in SAMPLES]
    monkeypatch.setattr(detector, "_stream", lambda seed: None)
    together = detector.top_languages(language._factory(), SAMPLES)
    assert [language._normalize(x) if x else None for x in together] == expected
