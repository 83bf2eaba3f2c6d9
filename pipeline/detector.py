"""langdetect's Detector with its sampling loop in numpy: the same answers, about three times faster.

``load_factory`` reads langdetect's profiles into one matrix; ``FastDetector`` samples from it.

langdetect estimates a text's language by drawing its n-grams at random and
multiplying 55 per-language probabilities for each draw, renormalising every
fifth draw until one language passes 0.99999, in pure-Python loops; those loops
are most of its cost. This detector runs the same draws and the same test:

- The draws. langdetect reseeds its ``random.Random`` with the factory's seed
  for every text, so the generator's raw 32-bit outputs are the same sequence
  for every text; only how they map to n-grams depends on the text (``choice``
  keeps the top bits of an output and rejects values past the n-gram count,
  and ``gauss`` turns four outputs into two normal values). The sequence is made
  once with numpy's MT19937 started from ``random.Random(seed)``'s state and
  replayed with CPython's own formulas. A self-check at first use compares the
  replay with ``random.Random`` itself; if they ever differ, the detector runs
  langdetect's loop draw by draw instead (bit for bit langdetect's result).
- The arithmetic. A trial's product of probabilities is a running sum of logs,
  a few hundred draws per numpy pass, and the convergence test is made at the
  same draws on the normalised values. Probabilities agree with langdetect's
  to about 1e-13 and the ranking of languages is the same (tests/test_language.py
  compares them on texts in 30 languages); only a trial whose top probability
  lands within rounding of the threshold could stop five draws apart.
- Many texts at once. ``top_languages`` samples a batch of texts trial by trial,
  one numpy pass for the draws of all the texts still running: the per-text sums
  are the same, and the fixed cost of a pass is shared (30-40% less time per text
  in batches of 4 to 64 texts).

Imported only when langdetect is first needed: numpy stays off the start-up path.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

_SPACES = re.compile(" {2,}")
_A_TO_Z = re.compile("[A-z]")  # langdetect's 'A' <= ch <= 'z': the letters and the six signs between Z and a
_FROM_U0300 = re.compile("[\u0300-\U0010ffff]")

# Raw outputs replayed per text; a text needing more (langdetect caps a trial at
# 1,000 draws, about 14,000 outputs for 7 trials at worst) extends the stream.
_STREAM_START = 1 << 15


def load_factory(seed, directory: str = PROFILES_DIRECTORY) -> DetectorFactory:
    """langdetect's DetectorFactory with its profiles as one numpy matrix.

    langdetect's ``load_profile`` builds a Python list of 55 floats for each of its
    87,598 n-grams (0.26 s). Here the same probabilities, computed the same way
    (``1.0 * freq / n_words[len - 1]``, languages in ``os.listdir`` order), fill one
    matrix (0.08 s; 0.02 s from mtclean's cache, see pipeline/cache.py), and
    ``word_lang_prob_map`` maps each n-gram to its row. Only FastDetector reads a
    factory made here.
    """
    langs, grams, matrix = _profiles(directory)
    factory = DetectorFactory()
    factory.langlist = langs
    index = dict(zip(grams, range(len(grams))))
    factory.word_lang_prob_map = index
    factory.profile_matrix = matrix
    factory.word_grams = _WordGrams(index)
    factory.seed = seed
    return factory


def _profiles(directory: str) -> tuple[list[str], list[str], np.ndarray]:
    """(languages, n-grams in row order, probability matrix) of the profiles in *directory*, cached."""
    from mtclean.pipeline import cache

    files = [os.path.join(directory, name) for name in os.listdir(directory)]
    files = [f for f in files if not os.path.basename(f).startswith(".") and os.path.isfile(f)]
    parts = [Path(__file__).read_bytes(), *cache.file_parts(map(Path, files))]
    return cache.cached("langdetect-profiles", parts, lambda: _read_profiles(files),
                        read=_read_npz, write=_write_npz, suffix=".npz")


def _read_profiles(files: list[str]) -> tuple[list[str], list[str], np.ndarray]:
    profiles = []
    for file in files:
        with open(file, encoding="utf-8") as f:
            profiles.append(json.load(f))
    # Rows in order of first appearance, as langdetect adds them.
    grams = list(dict.fromkeys(g for p in profiles for g in p["freq"]))
    index = dict(zip(grams, range(len(grams))))
    matrix = np.zeros((len(index), len(profiles)))
    for column, profile in enumerate(profiles):
        freq = profile["freq"]
        rows = np.fromiter(map(index.__getitem__, freq), dtype=np.int64, count=len(freq))
        lengths = np.fromiter(map(len, freq), dtype=np.int64, count=len(freq))
        counts = np.fromiter(freq.values(), dtype=np.float64, count=len(freq))
        n_words = np.array(profile["n_words"], dtype=np.float64)
        used = (lengths >= 1) & (lengths <= 3)
        matrix[rows[used], column] = counts[used] / n_words[lengths[used] - 1]
    return [p["name"] for p in profiles], grams, matrix


# The cache entry: the nonzero cells of the matrix (2 in 50), and the names as UTF-8 text, one per line.
def _write_npz(value: tuple[list[str], list[str], np.ndarray], path: Path) -> None:
    langs, grams, matrix = value
    if any("\n" in x for x in [*langs, *grams]):
        raise ValueError("a name holds a line break: not cached")
    rows, cols = np.nonzero(matrix)
    with path.open("wb") as f:
        np.savez(f, langs=_utf8("\n".join(langs)), grams=_utf8("\n".join(grams)), shape=np.array(matrix.shape),
                 rows=rows.astype(np.int32), cols=cols.astype(np.int16), values=matrix[rows, cols])


def _read_npz(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        matrix = np.zeros(tuple(z["shape"]))
        matrix[z["rows"], z["cols"]] = z["values"]
        langs, grams = _text(z["langs"]).split("\n"), _text(z["grams"]).split("\n")
    if matrix.shape != (len(grams), len(langs)):
        raise ValueError("inconsistent cache entry")
    return langs, grams, matrix


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _text(data: np.ndarray) -> str:
    return data.tobytes().decode("utf-8", "surrogatepass")


class _RawStream:
    """The raw 32-bit outputs of ``random.Random(seed)`` after seeding, as a growing numpy array."""

    def __init__(self, seed):
        state = random.Random(seed).getstate()[1]
        self._bits = np.random.MT19937()
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": np.array(state[:624], dtype=np.uint32), "pos": state[624]}}
        self.raw = self._bits.random_raw(_STREAM_START).astype(np.uint32)

    def extend(self) -> None:
        self.raw = np.concatenate([self.raw, self._bits.random_raw(len(self.raw)).astype(np.uint32)])


@lru_cache(maxsize=4)
def _stream(seed) -> _RawStream | None:
    stream = _RawStream(seed)
    return stream if _replays_random(stream, seed) else None


def _uniform(a: int, b: int) -> float:
    # CPython's random(): 53 bits from two outputs (Modules/_randommodule.c).
    return ((a >> 5) * 67108864.0 + (b >> 6)) * (1.0 / 9007199254740992.0)


def _gauss_pair(raw, at: int) -> tuple[float, float]:
    # CPython's random.gauss: Box-Muller on two uniforms; the second value is kept for the next call.
    x2pi = _uniform(int(raw[at]), int(raw[at + 1])) * (2 * math.pi)
    g2rad = math.sqrt(-2.0 * math.log(1.0 - _uniform(int(raw[at + 2]), int(raw[at + 3]))))
    return math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad


def _replays_random(stream: _RawStream, seed) -> bool:
    """Whether the replay gives what ``random.Random`` gives on this Python, for calls like langdetect's:
    gauss twice (the second from the kept value), then choice over 1000, 1024 (a power of two) and
    1 item(s), then gauss."""
    rnd = random.Random(seed)
    expected = [rnd.gauss(0.0, 1.0), rnd.gauss(0.0, 1.0), *(rnd.choice(range(n)) for n in (1000, 1024, 1)),
                rnd.gauss(0.0, 1.0)]
    raw = stream.raw
    replayed = list(_gauss_pair(raw, 0))
    at = 4
    for n in (1000, 1024, 1):
        while (pick := int(raw[at]) >> (32 - n.bit_length())) >= n:
            at += 1
        replayed.append(pick)
        at += 1
    replayed.append(_gauss_pair(raw, at)[0])
    return expected == replayed


class FastDetector(Detector):
    """A langdetect Detector; with ``decisive=True`` it stops as soon as the top language is settled.

    langdetect averages 7 trials. Once the leader's running sum is ahead of every
    other language's by more than the trials still to come could add (each adds
    at most 1/7 to one language), no later trial can change which language is
    first: the top language, and only it, is then the one langdetect would give.
    The probabilities of a decisive detector are partial sums: read only the top.
    """

    def __init__(self, factory, *, decisive: bool = False):
        super().__init__(factory)
        self.decisive = decisive
        self.profile_matrix = factory.profile_matrix  # see load_factory
        self.word_grams = factory.word_grams

    def append(self, text: str) -> None:
        """langdetect's ``append``: URLs and e-mail addresses out, Vietnamese normalised, the first
        ``max_text_length`` characters kept with each run of spaces as one; by a substitution, not a
        loop per character."""
        text = self.URL_RE.sub(" ", text)
        text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        self.text += _SPACES.sub(" ", text[:self.max_text_length])

    def cleaning_text(self) -> None:
        """langdetect's ``cleaning_text``: drop the letters A-z when characters from U+0300 on are more than
        twice as many, by counting with patterns. (langdetect means to leave Latin Extended Additional out
        of that count, but compares a block number with a name, so every such character counts.)"""
        text = self.text
        if text.isascii():
            return  # nothing from U+0300 on: the text stays
        if len(_A_TO_Z.findall(text)) * 2 < len(_FROM_U0300.findall(text)):
            self.text = _A_TO_Z.sub("", text)

    def top_language(self) -> str | None:
        """The most likely language (langdetect's code), or None without any."""
        probs = self.get_probabilities()
        return probs[0].lang if probs else None

    def _detect_block(self) -> None:
        self.cleaning_text()
        ngrams = self._ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        stream = _stream(self.seed)
        if stream is None:
            self.langprob = self._sampled_with_random(*self._profile_rows(ngrams))
        else:
            _sample_in_log_space([_TextTrials(self, self._rows(ngrams), stream)], self.profile_matrix)

    def _rows(self, ngrams: list[str]) -> np.ndarray:
        # Each draw reads its row of the whole matrix: no per-text sub-matrix to build.
        return np.fromiter(map(self.word_lang_prob_map.__getitem__, ngrams), dtype=np.intp, count=len(ngrams))

    def _ngrams(self) -> list[str]:
        """langdetect's ``_extract_ngrams``, the same n-grams in the same order, a word at a time.

        langdetect feeds the text to its NGram buffer a character at a time: it
        normalises the character, restarts after a space, and emits the last 1, 2
        and 3 characters that are in the profiles unless the character and the one
        before it are both upper case (inside an acronym). So what a word emits
        depends only on the word and on whether a space follows it: the
        characters are normalised in one ``str.translate`` and each distinct word's
        n-grams are worked out once per process.
        """
        words = self.text.translate(_NORMALIZED).split(" ")
        grams = self.word_grams
        out: list[str] = []
        last = len(words) - 1
        for i, word in enumerate(words):
            if word:
                inner, tail = grams.get(word) or grams.make(word)
                out += inner
                if i < last:  # the space after it: its 2- and 3-grams
                    out += tail
        return out

    def _sampled_with_random(self, profile: np.ndarray, rows: list[int]) -> list[float]:
        """langdetect's own loop, one numpy multiply per draw (when the replay self-check fails)."""
        n = len(self.langlist)
        langprob = np.zeros(n)
        rnd = self.random
        rnd.seed(self.seed)
        for trial in range(self.n_trial):
            prob = np.full(n, 1.0 / n)
            alpha = self.alpha + rnd.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            weighted = alpha / self.BASE_FREQ + profile
            i = 0
            while True:
                prob *= weighted[rnd.choice(rows)]
                if i % 5 == 0:
                    prob /= sum(prob.tolist())
                    if prob.max() > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            langprob += prob / self.n_trial
            if self.decisive and _settled(langprob, (self.n_trial - trial - 1) / self.n_trial):
                break
        return langprob.tolist()

    def _profile_rows(self, ngrams: list[str]) -> tuple[np.ndarray, list[int]]:
        """The distinct n-grams' probability rows as one matrix, and each n-gram's row in it."""
        index: dict[str, int] = {}
        draws = [index.setdefault(gram, len(index)) for gram in ngrams]
        table = self.word_lang_prob_map
        return self.profile_matrix[[table[gram] for gram in index]], draws


def top_languages(factory, texts: list[str]) -> list[str | None]:
    """The top language of each of *texts* (None without any n-gram), as a decisive FastDetector gives it.

    The texts are sampled together, trial by trial: each numpy pass scores the draws of all the
    texts still running, so the fixed cost of a pass is shared (langdetect's arithmetic, per text,
    is unchanged: see _sample_in_log_space).
    """
    out: list[str | None] = [None] * len(texts)
    detectors: list[tuple[int, FastDetector]] = []
    states: list[_TextTrials] = []
    stream = _stream(factory.seed)
    for i, text in enumerate(texts):
        detector = FastDetector(factory, decisive=True)
        detector.append(text)
        if stream is None:  # the replay self-check failed: langdetect's own loop, text by text
            out[i] = _top_or_none(detector)
            continue
        detector.cleaning_text()
        ngrams = detector._ngrams()
        if ngrams:
            detectors.append((i, detector))
            states.append(_TextTrials(detector, detector._rows(ngrams), stream))
    if states:
        _sample_in_log_space(states, factory.profile_matrix)
    for i, detector in detectors:
        out[i] = detector.top_language()
    return out


def _top_or_none(detector: "FastDetector") -> str | None:
    try:
        return detector.top_language()
    except LangDetectException:
        return None


class _TextTrials:
    """One text's trials: its n-gram rows, where it is in the raw stream, its running sums."""

    def __init__(self, detector: "FastDetector", rows: np.ndarray, stream: _RawStream):
        self.detector, self.rows, self.stream = detector, rows, stream
        self.shift = 32 - len(rows).bit_length()
        self.at, self.spare = 0, None  # stream position; the second value of the last gauss pair
        self.langprob = np.zeros(len(detector.langlist))
        self.settled = False
        self.weight = 0.0
        self.draws: _Draws | None = None
        self.final: np.ndarray | None = None

    def start(self, trial: int) -> None:
        """Draw the trial's alpha as langdetect's gauss() would, and set up its n-gram draws."""
        if self.spare is None:
            while self.at + 4 > len(self.stream.raw):
                self.stream.extend()
            z, self.spare = _gauss_pair(self.stream.raw, self.at)
            self.at += 4
        else:
            z, self.spare = self.spare, None
        d = self.detector
        self.weight = (d.alpha + z * d.ALPHA_WIDTH) / d.BASE_FREQ
        self.draws = _Draws(self.stream, self.at, self.shift, self.rows, trial)

    def finish(self, trial: int) -> None:
        d = self.detector
        prob = np.exp(self.final - self.final.max())
        self.langprob += prob / prob.sum() / d.n_trial
        self.at = self.draws.next_position()
        self.settled = d.decisive and _settled(self.langprob, (d.n_trial - trial - 1) / d.n_trial)


def _sample_in_log_space(texts: list[_TextTrials], profile: np.ndarray) -> None:
    """langdetect's trials for *texts*, each draw's multiply a running sum of logs, the draws of
    many texts and many steps in one numpy pass; sets each detector's ``langprob``.

    Per text the sums are langdetect's: the logs of its draws are summed between the
    checkpoints where langdetect tests convergence, then accumulated, in draw order.
    """
    first = texts[0].detector
    checkpoints = _checkpoints(first.ITERATION_LIMIT)
    # Converged when the largest normalised probability passes the threshold:
    # in log space, when the sum of exp(score - best score) falls below its inverse.
    limit = 1.0 / first.CONV_THRESHOLD
    n = len(first.langlist)
    for trial in range(first.n_trial):
        active = [t for t in texts if not t.settled]
        if not active:
            break
        for t in active:
            t.start(trial)
        running, done = active, 0
        score = np.zeros((len(running), 1, n))  # the log of the uniform start, up to a constant
        for chunk in _CHUNKS:
            upto = min(done + chunk, checkpoints[-1])
            picks = np.stack([t.draws.first(upto)[done:upto] for t in running])
            weights = np.array([t.weight for t in running])
            logs = np.log(weights[:, None, None] + profile[picks])
            marks, starts = _segments(done, upto, first.ITERATION_LIMIT)
            # The running score at each checkpoint: sums of the logs between checkpoints, accumulated.
            at = np.add.reduceat(logs[:, :marks[-1] - done], starts, axis=1)
            at[:, :1] += score
            np.cumsum(at, axis=1, out=at)
            converged = np.exp(at - at.max(axis=2, keepdims=True)).sum(axis=2) < limit
            stopped = converged.any(axis=1) | (upto == checkpoints[-1])
            for k in np.flatnonzero(stopped):
                t = running[k]
                stop = int(converged[k].argmax()) if converged[k].any() else -1
                t.draws.used = int(marks[stop])
                t.final = at[k, stop]
            if stopped.all():
                break
            going = np.flatnonzero(~stopped)
            score = at[going, -1:] + logs[going, marks[-1] - done:].sum(axis=1, keepdims=True)
            running = [running[k] for k in going]
            done = upto
        for t in active:
            t.finish(trial)
    for t in texts:
        t.detector.langprob = t.langprob.tolist()


class _Normalized(dict):
    """``str.translate`` table of NGram.normalize, filled in per character on first sight."""

    def __missing__(self, code: int) -> str:
        self[code] = NGram.normalize(chr(code))
        return self[code]


_NORMALIZED = _Normalized()


class _WordGrams(dict):
    """Normalised word -> (its n-grams, the n-grams of the space after it), those in the profiles."""

    LIMIT = 200_000  # distinct words kept; past that the table starts again (memory stays bounded)

    def __init__(self, table: dict[str, int]):
        super().__init__()
        self.table = table

    def make(self, word: str) -> tuple[list[str], list[str]]:
        if len(self) >= self.LIMIT:
            self.clear()
        table = self.table
        padded = " " + word
        inner = []
        for j in range(1, len(padded)):
            ch = padded[j]
            if ch.isupper() and padded[j - 1].isupper():
                continue  # langdetect's capitalword: no n-gram ends inside an acronym
            inner += [g for g in (ch, padded[j - 1:j + 1], padded[j - 2:j + 1] if j >= 2 else "") if g in table]
        tail = [g for g in (padded[-1] + " ", padded[-2:] + " ") if g in table]
        self[word] = inner, tail
        return inner, tail


@lru_cache(maxsize=64)
def _segments(done: int, upto: int, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The checkpoints in draws (done, upto], and where the draws between them start, counted from *done*."""
    checkpoints = _checkpoints(limit)
    marks = checkpoints[(checkpoints > done) & (checkpoints <= upto)]
    return marks, np.concatenate(([0], marks[:-1] - done))


@lru_cache(maxsize=4)
def _checkpoints(limit: int) -> np.ndarray:
    """After how many draws langdetect tests convergence: 1, 6, 11, ..., and it stops at limit + 1."""
    return np.array([1, *range(6, limit + 2, 5)])


# Draws scored per numpy pass (1,024 in all, past langdetect's limit of 1,001). On English news
# half the trials converge within 64 draws and most of the rest within 128.
_CHUNKS = [64, 64, 128, *[256] * 3]


class _Draws:
    """One trial's n-gram draws replayed from the raw stream: ``choice`` keeps an output's top bits
    and rejects values past the n-gram count."""

    def __init__(self, stream: _RawStream, at: int, shift: int, rows: np.ndarray, trial: int):
        self.stream, self.at, self.shift, self.rows, self.trial = stream, at, shift, rows, trial
        self.positions = np.empty(0, dtype=np.int64)  # of the accepted outputs, from self.at
        self.picks = rows[:0]
        self.used = 0  # draws the trial consumed: set by the caller when it stops

    def first(self, k: int) -> np.ndarray:
        """At least the first *k* draws (row indices)."""
        while len(self.picks) < k:
            scanned = self.at + (int(self.positions[-1]) + 1 if len(self.positions) else 0)
            chunk = max(256, 2 * (k - len(self.picks)))
            while scanned + chunk > len(self.stream.raw):
                self.stream.extend()
            values = self.stream.raw[scanned:scanned + chunk] >> self.shift
            accepted = np.flatnonzero(values < len(self.rows))
            self.positions = np.concatenate([self.positions, accepted + (scanned - self.at)])
            self.picks = np.concatenate([self.picks, self.rows[values[accepted]]])
        return self.picks

    def next_position(self) -> int:
        """The stream position after the last output the trial consumed."""
        return self.at + int(self.positions[self.used - 1]) + 1


def _settled(sums: np.ndarray, still_to_come: float) -> bool:
    """Whether the leader of *sums* stays first whatever the remaining trials add (at most *still_to_come*)."""
    if still_to_come <= 0:
        return False
    second, first = np.partition(sums, -2)[-2:]
    # The margin covers the rounding of the sums (each trial's probabilities add up to 1 within 1e-15).
    return first - second > still_to_come * (1 + 1e-9)
