"""Handle foreign-language fragments: translate, mark, keep or remove them.

The ``fragments`` stage finds the spans (``Span(kind="fragment")`` in ``doc.spans``);
this stage decides what happens to each one and records every change as an edit:

- ``translate`` (default): a glossary phrase entry first, then the translator backend
  (argostranslate with an installed model for the pair, or the deterministic ``fake``
  backend). A translation is applied only when it passes the guards (output in the
  target language, sane length ratio, no repetition loop, not identical to the input);
  otherwise the fragment is kept and the rejected output is reported as a suggestion;
- ``mark``: wrap it visibly, ``⟦el: παγωμένα ρωσικά⟧`` (``mark_format``);
- ``keep``: leave it (and say so in the record's notes);
- ``remove``: delete it, with its enclosing brackets and one adjacent space.

argostranslate loads torch and stanza, so it is imported only when a fragment
actually needs a model. Without the ``translate`` extra, or without a model for the
pair, fragments are kept, the record says why, and one warning per run (a log
record of ``mtclean.stages.translate``) gives the exact install command.

>>> from mtclean.pipeline.document import Span
>>> text = "The allies discussed the [παγωμένα ρωσικά] assets."
>>> spans = [Span(26, 41, "παγωμένα ρωσικά", "el")]
>>> handle_fragments(text, spans, target_lang="en", config=TranslateConfig(policy="mark")).text
'The allies discussed the [⟦el: παγωμένα ρωσικά⟧] assets.'
"""

from __future__ import annotations

import json
import logging
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import regex

from mtclean.pipeline import language
from mtclean.pipeline.document import Document, Span
from mtclean.pipeline.edits import Edit, apply_edits
from mtclean.pipeline.errors import ConfigError
from mtclean.pipeline.stage import Stage, StageConfig

log = logging.getLogger(__name__)

POLICIES = ("translate", "mark", "keep", "remove")
BACKENDS = ("argos", "fake")


@dataclass(frozen=True)
class TranslateConfig(StageConfig):
    """Options of the translate stage.

    ``policy`` applies to every fragment; ``policies`` overrides it per source
    language (``("ru=keep", "el=mark")``). ``on_failure`` says what happens to a
    fragment that cannot be translated (no source, or the guards rejected the
    output): ``keep`` (default) or ``mark``. Guards: the output must be mostly in the
    document's script, not confidently in the source language, in the target language
    when long enough for langdetect (``min_detect_letters``), within
    ``length_ratio`` of the input's length, and free of repetition loops.
    """

    policy: str = "translate"
    policies: tuple[str, ...] = ()
    on_failure: str = "keep"
    mark_format: str = "⟦{lang}: {text}⟧"
    min_confidence: float = 0.0
    backend: str = "argos"
    fake_table: str = ""  # backend = "fake": TOML/JSON file {"el-en": {"source": "translation"}}
    models_dir: str = ""  # default: $MTCLEAN_HOME/models
    glossary_dirs: tuple[str, ...] = ()
    shipped_glossaries: bool = True
    glossary: bool = True
    length_ratio: float = 3.0  # output/input length must lie within [1/ratio, ratio] (smoothed)
    min_detect_letters: int = 30
    min_target_prob: float = 0.5
    max_source_prob: float = 0.9
    min_script_share: float = 0.9
    fix_case: bool = True  # lower-case a capital the translator added mid-sentence


# -- results ---------------------------------------------------------------------------

@dataclass
class FragmentResult:
    """What :func:`handle_fragments` did to one text."""

    text: str
    edits: list[Edit] = field(default_factory=list)
    suggestions: list[Edit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Translation:
    text: str
    rule: str  # translate.glossary | translate.argos | translate.fake
    evidence: Mapping[str, Any]


@dataclass(frozen=True)
class GuardResult:
    ok: bool
    failures: tuple[str, ...]
    measures: Mapping[str, Any]


# A translator returns a Translation, or a string saying why there is none.
Translator = Callable[[str, str, str], "Translation | str | None"]


# -- guards ------------------------------------------------------------------------------

_LETTER = regex.compile(r"\p{L}")
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_CHAR_LOOP = regex.compile(r"(.{1,12}?)\1{4,}", regex.DOTALL)


# Japanese mixes three scripts in one sentence; width variants and modifier letters
# say nothing about the language.
_SCRIPT_GROUP = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "FULLWIDTH": "", "HALFWIDTH": "", "MODIFIER": ""}


@lru_cache(maxsize=4096)  # the same few dozen letters again and again
def script_of(ch: str) -> str:
    """The script of a letter (``LATIN``, ``GREEK``, ``CYRILLIC``, ``CJK``...), from its Unicode name.

    >>> script_of("α"), script_of("ж"), script_of("の"), script_of("x")
    ('GREEK', 'CYRILLIC', 'CJK', 'LATIN')
    """
    name = unicodedata.name(ch, "")
    word = name.split(" ", 1)[0] if name else ""
    return _SCRIPT_GROUP.get(word, word)


def main_script(text: str) -> str:
    """The script most letters of *text* are in (on a tie, the one met first)."""
    counts: dict[str, int] = {}
    # Each distinct letter once, in order of first appearance (Counter counts at C speed).
    for letter, n in Counter(_LETTER.findall(text)).items():
        s = script_of(letter)
        if s:
            counts[s] = counts.get(s, 0) + n
    return max(counts, key=counts.__getitem__) if counts else ""


def check_translation(
    source: str, output: str, *, source_lang: str, target_lang: str, target_script: str,
    config: "TranslateConfig",
) -> GuardResult:
    """Quality guards a translation must pass before it replaces a fragment."""
    failures: list[str] = []
    measures: dict[str, Any] = {}
    out = output.strip()
    if not out:
        return GuardResult(False, ("empty output",), measures)
    if _norm(out) == _norm(source):
        failures.append("identical to the input")
    ratio = (len(out) + 5) / (len(source.strip()) + 5)
    measures["length_ratio"] = round(ratio, 3)
    if not 1 / config.length_ratio <= ratio <= config.length_ratio:
        failures.append(f"length ratio {ratio:.2f} outside [{1 / config.length_ratio:.2f}, {config.length_ratio:.2f}]")
    loop = _repetition(out)
    if loop:
        failures.append(f"repetition loop ({loop})")
    letters = [m.group() for m in _LETTER.finditer(out)]
    scripts = [s for s in map(script_of, letters) if s]
    if target_script and scripts:
        share = scripts.count(target_script) / len(scripts)
        measures["script_share"] = round(share, 3)
        if share < config.min_script_share:
            failures.append(f"only {share:.0%} of its letters are {target_script.title()}")
    guesses = language.guesses(out)
    if guesses:
        measures["detected"] = {g.lang: round(g.prob, 3) for g in guesses[:3]}
        top = guesses[0]
        if top.lang == source_lang and top.prob >= config.max_source_prob:
            failures.append(f"still {source_lang} (langdetect {top.prob:.2f})")
        elif len(letters) >= config.min_detect_letters:
            prob = next((g.prob for g in guesses if g.lang == target_lang), 0.0)
            if prob < config.min_target_prob:
                failures.append(f"not {target_lang} (langdetect: {top.lang} {top.prob:.2f})")
    return GuardResult(not failures, tuple(failures), measures)


def _norm(s: str) -> str:
    return " ".join(s.casefold().split())


def _repetition(text: str) -> str:
    m = _CHAR_LOOP.search(text)
    if m and len(m.group()) >= 8:
        return f"{m.group(1)!r} x{len(m.group()) // len(m.group(1))}"
    words = [w.casefold() for w in _WORD.findall(text)]
    run = 1
    for a, b in zip(words, words[1:]):
        run = run + 1 if a == b else 1
        if run >= 3:
            return f"{a!r} x{run}+"
    for n in (2, 3):  # a phrase of n words repeated three times in a row
        grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
        for i in range(len(grams) - 2 * n):
            if grams[i] == grams[i + n] == grams[i + 2 * n]:
                return f"{' '.join(grams[i])!r} x3+"
    if len(words) >= 8 and len(set(words)) / len(words) < 0.4:
        return f"{len(set(words))} distinct words in {len(words)}"
    return ""


# -- policies ------------------------------------------------------------------------------

def policy_for(span: Span, config: TranslateConfig) -> str:
    for item in config.policies:
        lang, _, policy = item.partition("=")
        if lang.strip() == span.lang:
            return policy.strip()
    return config.policy


def _mark_parts(config: TranslateConfig, lang: str) -> tuple[str, str]:
    before, _, after = config.mark_format.partition("{text}")
    return before.replace("{lang}", lang), after.replace("{lang}", lang)


def mark_text(text: str, lang: str, config: TranslateConfig) -> str:
    before, after = _mark_parts(config, lang)
    return f"{before}{text}{after}"


def _already_marked(text: str, span: Span, config: TranslateConfig) -> bool:
    before, after = _mark_parts(config, span.lang)
    return (text[max(0, span.start - len(before)):span.start] == before
            and text[span.end:span.end + len(after)] == after)


_PAIRS = {"(": ")", "[": "]", "{": "}", "«": "»", "“": "”", "‘": "’", '"': '"', "„": "“", "‹": "›"}


def _removal_range(text: str, start: int, end: int) -> tuple[int, int]:
    """The span to delete: the fragment, its brackets when it fills them, one adjacent space."""
    if start > 0 and end < len(text) and _PAIRS.get(text[start - 1]) == text[end]:
        start, end = start - 1, end + 1
    if start > 0 and text[start - 1] == " " and (end == len(text) or text[end] in " .,;:!?)]}»”’"):
        start -= 1
    elif end < len(text) and text[end] == " " and (start == 0 or text[start - 1] in " \n([{«“‘"):
        end += 1
    return start, end


def _adapt_case(source: str, output: str, text: str, start: int) -> str:
    """Undo a sentence-initial capital the translator added to a mid-sentence fragment."""
    out = output.strip()
    if (len(out) > 1 and source[:1].islower() and out[0].isupper() and out[1].islower()
            and not _sentence_start(text, start)):
        out = out[0].lower() + out[1:]
    if out and out[-1] in ".!?" and source.rstrip()[-1:] not in ".!?;" and out[-2:-1] not in ".!?":
        out = out[:-1]  # a full stop the translator added to a clause
    return out


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t([{«“‘\"'")
    return not before or before[-1] in ".!?\n"


_FAILED = {"keep": "kept", "mark": "marked"}


def handle_fragments(
    text: str,
    spans: Sequence[Span],
    *,
    target_lang: str,
    config: TranslateConfig = TranslateConfig(),
    translator: Translator | None = None,
) -> FragmentResult:
    """Apply each fragment's policy to *text*; return the new text, edits, suggestions and notes.

    *translator* ``(text, source_lang, target_lang)`` gives a :class:`Translation` or
    the reason there is none; without one, ``translate`` falls back to ``on_failure``.
    """
    result = FragmentResult(text)
    target_script = main_script(_outside(text, spans))
    delta = 0  # length change so far: suggestions carry offsets into the output
    last_end = -1
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        where = f"{span.start}:{span.end} {span.text!r} ({span.lang})"
        if span.kind != "fragment":
            continue
        if span.start < last_end or text[span.start:span.end] != span.text:
            result.notes.append(f"fragment {where}: skipped (overlaps another or does not match the text)")
            continue
        if span.confidence < config.min_confidence or span.lang == target_lang or _already_marked(text, span, config):
            continue
        policy = policy_for(span, config)
        span_ev = {"lang": span.lang, "confidence": round(span.confidence, 4), "method": span.method}
        edit: Edit | None = None
        rejected: tuple[str, str, str, dict] | None = None  # (after, rule, reason, evidence)
        if policy == "translate":
            outcome = translator(span.text, span.lang, target_lang) if translator else "no translator configured"
            if isinstance(outcome, Translation):
                guard = check_translation(span.text, outcome.text, source_lang=span.lang, target_lang=target_lang,
                                          target_script=target_script, config=config)
                after = _adapt_case(span.text, outcome.text, text, span.start) if config.fix_case else outcome.text.strip()
                evidence = {**outcome.evidence, "from": span.lang, "to": target_lang, "span": span_ev,
                            "guards": dict(guard.measures)}
                if outcome.text.strip() != after:
                    evidence["raw"] = outcome.text
                if guard.ok and after != span.text:
                    edit = Edit(span.start, span.end, span.text, after, outcome.rule,
                                f"translated {span.lang} fragment to {target_lang}", evidence)
                else:
                    why = "; ".join(guard.failures) or "no change"
                    result.notes.append(f"fragment {where}: translation rejected ({why}); {_FAILED[config.on_failure]}")
                    if after and after != span.text:
                        rejected = (after, "translate.rejected",
                                    f"rejected {outcome.rule.split('.')[-1]} translation: {why}",
                                    {**evidence, "failures": list(guard.failures)})
            else:
                result.notes.append(f"fragment {where}: not translated ({outcome}); {_FAILED[config.on_failure]}")
            if edit is None:
                policy = config.on_failure
        elif policy == "keep":
            result.notes.append(f"fragment {where}: kept (policy keep)")
        if edit is None and policy == "mark":
            edit = Edit(span.start, span.end, span.text, mark_text(span.text, span.lang, config), "translate.mark",
                        f"marked {span.lang} fragment", {"span": span_ev})
        elif edit is None and policy == "remove":
            start, end = _removal_range(text, span.start, span.end)
            if start < last_end:
                start, end = span.start, span.end
            edit = Edit(start, end, text[start:end], "", "translate.remove", f"removed {span.lang} fragment",
                        {"span": span_ev})
        if rejected is not None:
            # Offered for review, not applied: it replaces whatever now stands there.
            start = (edit.start if edit else span.start) + delta
            before = edit.after if edit else span.text
            result.suggestions.append(Edit(start, start + len(before), before, *rejected))
        if edit is not None:
            result.edits.append(edit)
            delta += len(edit.after) - len(edit.before)
            last_end = edit.end
        else:
            last_end = span.end
    result.text = apply_edits(text, result.edits)
    return result


def _outside(text: str, spans: Sequence[Span]) -> str:
    parts, pos = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start >= pos:
            parts.append(text[pos:s.start])
            pos = s.end
    parts.append(text[pos:])
    return "".join(parts)


# -- translation sources -------------------------------------------------------------------

def load_fake_table(path: str | Path) -> dict[tuple[str, str], dict[str, str]]:
    """Read a fake-translator table: ``{"el-en": {"source text": "translation"}}`` (TOML or JSON)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
        data = json.loads(raw) if p.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"translate.fake_table: {p} not found") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"translate.fake_table: {p} is not valid {p.suffix.lstrip('.') or 'TOML'}: {exc}") from None
    table: dict[tuple[str, str], dict[str, str]] = {}
    for pair, entries in data.items():
        src, sep, tgt = pair.partition("-")
        if not sep or not isinstance(entries, dict):
            raise ConfigError(f"translate.fake_table: {p}: key {pair!r} must be SRC-TGT with a table of translations")
        table[(src, tgt)] = {_norm(k): str(v) for k, v in entries.items()}
    return table


class TranslateStage(Stage):
    name = "translate"
    version = 1
    description = "Translate, mark, keep or remove foreign-language fragments found by the fragments stage."
    Config = TranslateConfig

    def __init__(self, config: TranslateConfig | None = None, **overrides: Any):
        super().__init__(config, **overrides)
        cfg = self.config
        bad = [p for p in (cfg.policy, cfg.on_failure, *(i.partition("=")[2].strip() for i in cfg.policies))
               if p not in POLICIES]
        if bad or any("=" not in i for i in cfg.policies):
            raise ConfigError(f"translate: bad policy {(bad or list(cfg.policies))[0]!r}",
                              hint="policies: " + ", ".join(POLICIES) + "; per language: LANG=POLICY")
        if cfg.on_failure not in ("keep", "mark"):
            raise ConfigError(f"translate.on_failure must be keep or mark, not {cfg.on_failure!r}")
        if cfg.backend not in BACKENDS:
            raise ConfigError(f"translate.backend must be one of {', '.join(BACKENDS)}, not {cfg.backend!r}")
        if cfg.backend == "fake" and not cfg.fake_table:
            raise ConfigError("translate.backend = fake needs translate.fake_table (a TOML or JSON file)")
        if "{text}" not in cfg.mark_format:
            raise ConfigError("translate.mark_format must contain {text}")
        if cfg.length_ratio <= 1:
            raise ConfigError("translate.length_ratio must be greater than 1")
        self._glossary = None
        self._fake: dict[tuple[str, str], dict[str, str]] = {}
        self._argos: dict[tuple[str, str], Any] = {}
        self._cache: dict[tuple[str, str, str], Translation | str] = {}
        self._warned: set[str] = set()

    def _load_glossary(self):
        """The glossaries for phrase entries; None when turned off, or when the glossary module
        is missing (a partial install): then phrase entries are not used."""
        cfg = self.config
        if not cfg.glossary:
            return None
        try:
            from mtclean.pipeline.glossary import load_glossaries
        except ModuleNotFoundError as exc:
            if exc.name != "mtclean.pipeline.glossary":
                raise
            log.debug("translate: glossary module not available; phrase entries are not used")
            return None
        return load_glossaries(cfg.glossary_dirs, shipped=cfg.shipped_glossaries)

    def validate(self) -> None:
        # Broken files are one error line here; setup() reads them back from the caches.
        if self.config.backend == "fake":
            load_fake_table(self.config.fake_table)
        self._load_glossary()

    def setup(self) -> None:
        cfg = self.config
        self._glossary = self._load_glossary()
        if cfg.backend == "fake":
            self._fake = load_fake_table(cfg.fake_table)
        super().setup()

    def teardown(self) -> None:
        self._argos.clear()
        self._cache.clear()
        super().teardown()

    # -- sources ---------------------------------------------------------------------
    def translate_text(self, text: str, source_lang: str, target_lang: str) -> Translation | str:
        """Glossary phrase first, then the backend; the reason as a string when there is nothing."""
        key = (text, source_lang, target_lang)
        if key not in self._cache:
            self._cache[key] = self._translate_uncached(text, source_lang, target_lang)
            if len(self._cache) > 10_000:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key]

    def _translate_uncached(self, text: str, source_lang: str, target_lang: str) -> Translation | str:
        if self._glossary is not None:
            phrase = self._glossary.phrase_for(text, source_lang, target_lang)
            if phrase is not None and phrase.translation.get(target_lang):
                return Translation(phrase.translation[target_lang], "translate.glossary",
                                   {"source": "glossary", "phrase": phrase.id, "file": phrase.file, "line": phrase.line})
        if self.config.backend == "fake":
            found = self._fake.get((source_lang, target_lang), {}).get(_norm(text))
            if found is None:
                return f"no entry in the fake table for {source_lang}-{target_lang}"
            return Translation(found, "translate.fake", {"source": "fake", "table": Path(self.config.fake_table).name})
        return self._translate_argos(text, source_lang, target_lang)

    def _translate_argos(self, text: str, source_lang: str, target_lang: str) -> Translation | str:
        pair = (source_lang, target_lang)
        if pair not in self._argos:
            self._argos[pair] = self._load_argos(source_lang, target_lang)
        translator = self._argos[pair]
        if isinstance(translator, str):
            return translator
        try:
            output = translator.translate(text)
        except Exception as exc:  # a broken package must be named, not crash with a ctranslate2 traceback
            from mtclean.pipeline.models import ModelError

            raise ModelError(f"model package {translator.package.name} ({translator.package.path}) "
                             f"failed to translate: {exc}") from exc
        return Translation(output, "translate.argos", {"source": "argos", **translator.evidence})

    def _load_argos(self, source_lang: str, target_lang: str) -> Any:
        from mtclean.pipeline import models

        if not models.argos_available():
            self._warn_once("extra", f"translate: argostranslate is not installed, foreign fragments are kept; "
                                     f"install it with: {models.EXTRA_INSTALL}")
            return f"argostranslate not installed ({models.EXTRA_INSTALL})"
        package = models.find_package(source_lang, target_lang, self.config.models_dir or None)
        if package is None:
            where = models.models_dir(self.config.models_dir or None)
            self._warn_once(f"{source_lang}-{target_lang}",
                            f"translate: no {source_lang}->{target_lang} model in {where}, those fragments are kept; "
                            f"install one with: {models.MODEL_INSTALL}")
            return f"no {source_lang}->{target_lang} model installed ({models.MODEL_INSTALL})"
        try:
            return models.ArgosTranslator(package)
        except Exception as exc:
            raise models.ModelError(f"cannot load model package {package.name} ({package.path}): {exc}") from exc

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            # A log record, not warnings.warn: one clean line on stderr even when logging is
            # not configured (logging's last-resort handler), and no source line quoted.
            log.warning(message)

    # -- processing --------------------------------------------------------------------
    def process(self, doc: Document) -> Document:
        self._ensure_ready()
        target = doc.lang or language.detect(doc.text, default="en")
        spans = [s for s in doc.spans if s.kind == "fragment"]
        if not spans:
            return doc.apply(self.record(doc))
        res = handle_fragments(doc.text, spans, target_lang=target, config=self.config,
                               translator=self.translate_text)
        return doc.apply(self.record(doc, res.edits, suggestions=res.suggestions, notes=res.notes), res.text)
