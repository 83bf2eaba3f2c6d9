"""Encoding repair: mojibake, HTML entities, control characters, line breaks, homoglyphs.

ftfy does the encoding work, configured for a multilingual cleanup tool: it
keeps curly quotes, character widths (CJK punctuation is full-width on purpose),
ligatures and the text's normalization form. Each repaired piece becomes one
edit with ftfy's plan as evidence.

>>> fix_encoding("The cafÃ© said hello")[0]
'The café said hello'
>>> fix_encoding("“Curly” quotes and ＣＪＫ widths stay")[0]
'“Curly” quotes and ＣＪＫ widths stay'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import ftfy
import regex

from mtclean.pipeline.chars import non_ascii_chars
from mtclean.pipeline.edits import Edit, changed_regions, run_passes
from mtclean.pipeline.stage import Stage, StageConfig

# Lines that are pure ASCII without '&' or control characters cannot hold
# anything ftfy would repair; skipping them keeps clean text cheap. Nor can
# lines whose only other characters are dashes, curly quotes, the ellipsis and
# the no-break space: in every single-byte encoding ftfy undoes, these are
# UTF-8 continuation bytes or lead bytes that need a letter-like continuation
# after them, so no run of them decodes as UTF-8 (tests/test_encoding.py checks
# that ftfy leaves such text alone). Normalization (NFKC turns … into ...)
# needs every non-ASCII line.
# Plain character sets: the standard ``re`` scans them about three times as fast as ``regex``.
_MAYBE_BROKEN = re.compile(r"[^\t\n\r\x20-\x25\x27-\x7e\u2013\u2014\u2018\u2019\u201c\u201d\u2026\xa0]")
_NOT_ASCII = re.compile(r"[^\t\n\r\x20-\x25\x27-\x7e]")

# A word mixing Latin with Cyrillic or Greek letters: the only place a
# homoglyph substitution can be told apart from real text in another script.
_MIXED_WORD = regex.compile(
    r"(?<![\p{L}\p{M}])"
    r"(?=[\p{L}\p{M}]*\p{Latin})(?=[\p{L}\p{M}]*[\p{Cyrillic}\p{Greek}])"
    r"[\p{L}\p{M}]{3,}"
    r"(?![\p{L}\p{M}])"
)
# Greek letters inside Latin words are usually science (IL2Rγ, TNFα, β-blocker),
# so only the capitals and omicron, which no notation uses, count as look-alikes.
_GREEK_LOOKALIKES_IN_LATIN = set("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧο")
# The lookaheads of _MIXED_WORD scan each word twice; a text without a single
# Cyrillic or Greek letter (most text) cannot hold a mixed word at all.
_CYRILLIC_OR_GREEK = regex.compile(r"[\p{Cyrillic}\p{Greek}]")
_SCRIPTS = {
    "LATIN": regex.compile(r"\p{Latin}"),
    "CYRILLIC": regex.compile(r"\p{Cyrillic}"),
    "GREEK": regex.compile(r"\p{Greek}"),
}


@dataclass(frozen=True)
class EncodingConfig(StageConfig):
    """Options of the encoding stage.

    ``normalization`` is off by default: NFC would rewrite correct decomposed
    text, which is not damage. ``line_breaks`` unifies stray line breaks to the
    text's dominant style (a file written with CRLF stays CRLF).
    """

    mojibake: bool = True
    html_entities: bool = True
    control_chars: bool = True
    line_breaks: bool = True
    homoglyphs: bool = True
    normalization: str = ""  # "", "NFC" or "NFKC"


def _ftfy_config(cfg: EncodingConfig) -> ftfy.TextFixerConfig:
    return ftfy.TextFixerConfig(
        unescape_html=cfg.html_entities,
        remove_terminal_escapes=cfg.control_chars,
        fix_encoding=cfg.mojibake,
        restore_byte_a0=cfg.mojibake,
        replace_lossy_sequences=cfg.mojibake,
        decode_inconsistent_utf8=cfg.mojibake,
        fix_c1_controls=cfg.mojibake,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=True,
        remove_control_chars=cfg.control_chars,
        normalization=cfg.normalization or None,
        explain=True,
    )


_LINES = re.compile(r"[^\n]*\n|[^\n]+")
# Long lines are repaired in pieces cut after a space that follows plain ASCII
# (mojibake like `Ã ` can swallow a space, but never after an ASCII letter), so
# the cost stays linear in the length of a huge single-line document.
MAX_SEGMENT = 4096
_SAFE_CUT = re.compile(r"(?<=[A-Za-z0-9.,;:!?)] )")


def _segments(text: str):
    for line in _LINES.findall(text):
        while len(line) > MAX_SEGMENT:
            cut = _SAFE_CUT.search(line, MAX_SEGMENT // 2, MAX_SEGMENT)
            end = cut.end() if cut else MAX_SEGMENT
            if not cut:
                later = _SAFE_CUT.search(line, MAX_SEGMENT)
                end = later.end() if later else len(line)
            yield line[:end]
            line = line[end:]
        if line:
            yield line


def repair_mojibake(text: str, *, config: EncodingConfig = EncodingConfig()) -> list[Edit]:
    """Edits repairing what ftfy finds, one per damaged run within a line."""
    maybe_broken = _NOT_ASCII if config.normalization else _MAYBE_BROKEN
    if not maybe_broken.search(text):
        return []  # most documents: one scan, not one per line
    fcfg = _ftfy_config(config)
    edits: list[Edit] = []
    offset = 0
    text_scripts: set[str] | None = None
    # Split on "\n" only, like ftfy.fix_text: str.splitlines would also cut at
    # control characters that ftfy removes, scattering one repair into many.
    for line in _segments(text):
        if maybe_broken.search(line):
            fixed, plan = ftfy.fix_and_explain(line, fcfg)
            if fixed != line:
                evidence = {"ftfy": [list(step) for step in plan or ()], "ftfy_version": ftfy.__version__}
                found = _split_edits(line, fixed, offset, evidence)
                if any(step[0] == "encode" and step[1] not in _COMMON_MOJIBAKE for step in plan or ()):
                    text_scripts = _scripts(text) if text_scripts is None else text_scripts
                    found = [e for e in found if not _stray_letters(e.after, text_scripts)]
                edits.extend(found)
        offset += len(line)
    return edits


def _scripts(text: str) -> set[str]:
    """The scripts of the letters in *text* (first word of each letter's Unicode name: LATIN, CYRILLIC...)."""
    return {_script_of(c) for c in set(text) if c.isalpha()}


def _script_of(char: str) -> str:
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


# Fewer UTF-8 bytes than this, decoded into letters of a script the text has nowhere else, are a
# guess when read back from a rarer single-byte encoding (MacRoman, cp437...). UTF-8 read as
# Latin-1/Windows-1252 is the mojibake of the web and ftfy's surest fix, even for one letter
# (`IL2RÎ³cKO` -> `IL2RγcKO`).
MIN_STRAY_BYTES = 5
_COMMON_MOJIBAKE = {"latin-1", "sloppy-windows-1252", "windows-1252", "iso-8859-1"}


def _stray_letters(after: str, text_scripts: set[str]) -> bool:
    """Whether a re-decoding makes too few letters of a script the text has nowhere else to trust.

    `“Ã©”é` read back as MacRoman gives `Ҏӎ` (4 bytes): the curly quotes and the accent eaten,
    two rare Cyrillic letters made, and cleaning the text again would do it. Real mojibake of
    another script decodes to words (`–ü—Ä–∏–≤–µ—Ç` -> `Привет`): five bytes or more.
    """
    new = "".join(c for c in after if c.isalpha() and _script_of(c) not in text_scripts)
    return 0 < len(new.encode("utf-8")) < MIN_STRAY_BYTES


def _split_edits(old: str, new: str, offset: int, evidence: dict) -> list[Edit]:
    # One edit per damaged token: a reviewer reads `SchÃ¶n -> Schön` or
    # `&amp; -> &` far better than the bare changed characters.
    return [
        Edit(offset + i1, offset + i2, old[i1:i2], new[j1:j2], _rule(old[i1:i2], evidence["ftfy"]),
             _reason(old[i1:i2], evidence["ftfy"]), evidence)
        for i1, i2, j1, j2 in changed_regions(old, new)
    ]


_ENTITY = regex.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?")


def _rule(before: str, plan: list) -> str:
    if _ENTITY.search(before) and any(s[1] == "unescape_html" for s in plan):
        return "encoding.html_entity"
    if any(step[0] in ("encode", "decode", "transcode") for step in plan) or any(
        s[1] in ("decode_inconsistent_utf8", "fix_c1_controls", "restore_byte_a0", "replace_lossy_sequences")
        for s in plan
    ):
        return "encoding.mojibake"
    if any(s[1] in ("remove_control_chars", "remove_terminal_escapes") for s in plan):
        return "encoding.control_chars"
    return "encoding.ftfy"


def _reason(before: str, plan: list) -> str:
    if _rule(before, plan) == "encoding.html_entity":
        return "HTML entity left in plain text"
    enc = [s[1] for s in plan if s[0] == "encode"]
    dec = [s[1] for s in plan if s[0] == "decode"]
    if enc and dec:
        return f"mojibake: text was {dec[-1]} read as {enc[0]}; decoded again"
    if any(s[1] == "decode_inconsistent_utf8" for s in plan):
        return "mojibake: UTF-8 bytes decoded as a single-byte encoding"
    if plan:
        return "ftfy: " + ", ".join(str(s[1]) for s in plan)
    return "ftfy repair"


_BREAK = regex.compile(r"\r\n|\r|\n")


def unify_line_breaks(text: str) -> list[Edit]:
    """Stray line breaks (a lone CR, or CRLF among LFs) become the dominant style."""
    if "\r" not in text:
        return []
    breaks = _BREAK.findall(text)
    dominant = max(("\n", "\r\n", "\r"), key=breaks.count)
    return [
        Edit(m.start(), m.end(), m.group(), dominant, "encoding.line_break",
             f"line break {m.group()!r} differs from the text's {dominant!r}")
        for m in _BREAK.finditer(text)
        if m.group() != dominant
    ]


@lru_cache(maxsize=4096)
def _homoglyph(char: str, script: str) -> str | None:
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(char, preferred_aliases=[script.lower()], greedy=True) or []
    for item in found:
        for h in item["homoglyphs"]:
            if len(h["c"]) == 1 and h["n"].startswith(script + " "):
                return h["c"]
    return None


def repair_homoglyphs(text: str) -> list[Edit]:
    """Letters of another script hiding inside a word (Cyrillic `і` in `Prazі`).

    Only words that mix Latin with Cyrillic/Greek are looked at; a word wholly
    in one script is never touched, and a letter is replaced only by its
    look-alike in the word's dominant script.
    """
    if not any(map(_CYRILLIC_OR_GREEK.match, non_ascii_chars(text))):
        return []
    edits: list[Edit] = []
    for m in _MIXED_WORD.finditer(text):
        word = m.group()
        counts = {s: len(p.findall(word)) for s, p in _SCRIPTS.items()}
        dominant = max(counts, key=counts.get)
        others = sum(counts.values()) - counts[dominant]
        if counts[dominant] < 2 or others > 2 or others * 2 >= counts[dominant]:
            continue  # no clear host script: a real mixed token, leave it
        chars = list(word)
        for i, ch in enumerate(chars):
            if _SCRIPTS[dominant].match(ch) or not any(p.match(ch) for p in _SCRIPTS.values()):
                continue
            if dominant == "LATIN" and _SCRIPTS["GREEK"].match(ch) and ch not in _GREEK_LOOKALIKES_IN_LATIN:
                break
            twin = _homoglyph(ch, dominant)
            if twin is None:
                break  # a foreign letter with no look-alike: not a homoglyph accident
            chars[i] = twin
        else:
            fixed = "".join(chars)
            if fixed != word:
                edits.append(Edit(
                    m.start(), m.end(), word, fixed, "encoding.homoglyph",
                    f"{dominant.title()} word contains look-alike letters from another script",
                    {"script": dominant.lower(), "replaced": [
                        f"U+{ord(a):04X}->U+{ord(b):04X}" for a, b in zip(word, fixed) if a != b
                    ]},
                ))
    return edits


def fix_encoding(text: str, *, config: EncodingConfig = EncodingConfig()) -> tuple[str, list[Edit]]:
    """The encoding stage as a plain function: ``str -> (str, edits)``."""
    passes = []
    if config.line_breaks:
        passes.append(unify_line_breaks)
    if config.mojibake or config.html_entities or config.control_chars or config.normalization:
        passes.append(lambda t: repair_mojibake(t, config=config))
    if config.homoglyphs:
        passes.append(repair_homoglyphs)
    return run_passes(text, passes)


class EncodingStage(Stage):
    """Repair mojibake, HTML entities, control characters, stray line breaks and homoglyphs (ftfy)."""

    name = "encoding"
    version = 1
    description = "Repair mojibake, HTML entities, control characters, line breaks and homoglyphs (ftfy)"
    Config = EncodingConfig

    def fix(self, text: str, *, lang: str | None = None) -> tuple[str, list[Edit]]:
        return fix_encoding(text, config=self.config)
