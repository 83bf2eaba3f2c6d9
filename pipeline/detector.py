"""langdetect's Detector with its sampling loop on numpy rows: same answers, about half the time.

langdetect estimates a text's language by drawing its n-grams at random and
multiplying 55 per-language probabilities for each draw, in a pure-Python loop
over the languages; that loop is most of its cost. Here each draw is one numpy
multiply of the n-gram's row. The draws (same seeded ``random.Random``, same
calls in the same order), the arithmetic (the same IEEE operations on each
element, the sum in Python's own order) and the convergence test are those of
``langdetect.detector.Detector._detect_block``, so the probabilities are
identical to the last bit: tests/test_language.py compares the two on texts in
30 languages.

Imported only when langdetect is first needed: numpy stays off the start-up path.
"""

from __future__ import annotations

import numpy as np
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException


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

    def _detect_block(self) -> None:
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        profile, rows = self._profile_rows(ngrams)
        n = len(self.langlist)
        langprob = np.zeros(n)
        rnd = self.random
        rnd.seed(self.seed)
        for trial in range(self.n_trial):
            prob = np.full(n, 1.0 / n)
            alpha = self.alpha + rnd.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            # langdetect adds this weight to the row inside its loop: same sums, done once per trial.
            weighted = alpha / self.BASE_FREQ + profile
            i = 0
            while True:
                prob *= weighted[rnd.choice(rows)]
                if i % 5 == 0:
                    values = prob.tolist()
                    total = sum(values)  # Python's summation order, as langdetect's sum()
                    prob /= total
                    # Dividing by a positive number keeps the order: the largest quotient is max/total.
                    if max(values) / total > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            langprob += prob / self.n_trial
            if self.decisive and _settled(langprob, (self.n_trial - trial - 1) / self.n_trial):
                break
        self.langprob = langprob.tolist()

    def top_language(self) -> str | None:
        """The most likely language (langdetect's code), or None without any."""
        probs = self.get_probabilities()
        return probs[0].lang if probs else None

    def _profile_rows(self, ngrams: list[str]) -> tuple[np.ndarray, list[int]]:
        """The distinct n-grams' probability rows as one matrix, and each draw's row index."""
        table = self.word_lang_prob_map
        index: dict[str, int] = {}
        rows: list[np.ndarray] = []
        draws = []
        for gram in ngrams:
            j = index.get(gram)
            if j is None:
                row = table[gram]
                if type(row) is list:
                    # Converted once per process, on first use (the table is the
                    # private factory's own: nothing else reads it as lists).
                    row = table[gram] = np.array(row)
                j = index[gram] = len(rows)
                rows.append(row)
            draws.append(j)
        return np.stack(rows), draws


def _settled(sums: np.ndarray, still_to_come: float) -> bool:
    """Whether the leader of *sums* stays first whatever the remaining trials add (at most *still_to_come*)."""
    if still_to_come <= 0:
        return False
    second, first = np.partition(sums, -2)[-2:]
    # The margin covers the rounding of the sums (each trial's probabilities add up to 1 within 1e-15).
    return first - second > still_to_come * (1 + 1e-9)
