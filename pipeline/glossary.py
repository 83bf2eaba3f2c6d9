"""Glossaries: house spellings of names and phrases, loaded from TOML files.

A glossary file holds a ``[glossary]`` table and any number of ``[[entry]]``
(one concept: a person, place, organization or term) and ``[[phrase]]`` tables
(a source-language fragment and its translation). See glossaries/README.md for
the format as editors see it.

Several directories load together. The order is the precedence: directories
given first win, and the shipped glossaries (package ``mtclean.glossaries``)
come last. An entry whose ``id`` appears again in a lower-precedence directory
replaces it there (a project can re-spell a shipped name); the same ``id`` twice
within one directory is an error.

>>> g = load_glossaries(shipped=False)
>>> g.entries, g.phrases
([], [])
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from mtclean.pipeline.errors import MtcleanError

KINDS = ("person", "place", "organization", "term")
# What people type for a kind (the files are named in the plural: people.toml, places.toml...).
KIND_ALIASES = {"people": "person", "persons": "person", "places": "place", "organizations": "organization",
                "organisation": "organization", "organisations": "organization", "terms": "term"}
ENTRY_KEYS = {"id", "kind", "canonical", "variants", "allowed", "house", "former", "former_until", "surname",
              "case_sensitive", "context", "note"}
# The years a `former_until` may name: English spellings of names change within living memory.
FORMER_YEARS = range(1900, 2101)
PHRASE_KEYS = {"id", "source_lang", "source", "translation", "note"}
GLOSSARY_KEYS = {"name", "description", "default_lang", "source", "license"}
TOP_KEYS = {"glossary", "entry", "phrase"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class GlossaryError(MtcleanError):
    """A glossary file that cannot be used; the message names file, line and entry id."""

    def __init__(self, file: str | Path, message: str, *, line: int = 0, entry: str = "", hint: str | None = None,
                 key: str = ""):
        where = f"{file}:{line}" if line else str(file)
        what = f" [{entry}]" if entry else ""
        super().__init__(f"{where}{what}: {message}", hint=hint)
        self.file = str(file)
        self.line = line
        self.entry = entry
        self.key = key  # the key at fault, when there is one: its own line is the one to point at
        self.problem = message

    def at(self, line: int) -> "GlossaryError":
        return GlossaryError(self.file, self.problem, line=line, entry=self.entry, hint=self.hint, key=self.key)


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    canonical: Mapping[str, str]
    variants: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    surname: Mapping[str, str] = field(default_factory=dict)
    case_sensitive: bool = False
    context: tuple[str, ...] = ()
    note: str = ""
    file: str = ""
    line: int = 0
    # Spellings a major outlet or the named person's own government uses (AP's Zelenskyy): correct,
    # so kept by default like `allowed`; rewritten to the canonical only under the house style
    # (names.house_style = true), by the rule names.house_style.
    house: tuple[str, ...] = ()
    # Spellings that were the usual English ones until the major outlets changed, in the year
    # `former_until` (Kiev until 2019): rewritten by the rule names.former_spelling, except in a
    # text written by then (names.text_year <= former_until), where they were correct.
    former: tuple[str, ...] = ()
    former_until: int = 0

    def canonical_for(self, lang: str | None) -> str:
        """The canonical form in *lang*, falling back to English, then to the first form given.

        >>> Entry("p.x", "person", {"en": "Volodymyr Zelensky", "el": "Βολοντίμιρ Ζελένσκι"}).canonical_for("fr")
        'Volodymyr Zelensky'
        """
        if lang and lang in self.canonical:
            return self.canonical[lang]
        if "en" in self.canonical:
            return self.canonical["en"]
        return next(iter(self.canonical.values()))

    def surname_for(self, lang: str | None) -> str | None:
        if not self.surname:
            return None
        if lang and lang in self.surname:
            return self.surname[lang]
        return self.surname.get("en")

    def forms(self) -> list[str]:
        """Every spelling of this entry that is correct somewhere: canonicals, surnames, allowed and house forms."""
        return _unique([*self.canonical.values(), *self.surname.values(), *self.allowed, *self.house])

    def former_in(self, text_year: int | None) -> bool:
        """Whether the former spellings were still the usual ones in a text of *text_year* (None: today)."""
        return bool(self.former) and text_year is not None and text_year <= self.former_until

    def profiled(self, *, house_style: bool = False, text_year: int | None = None) -> "Entry":
        """This entry as the names stage matches it: the forms it rewrites are all in ``variants``.

        House forms are rewritten under the house style, former spellings unless the text was
        written while they were usual; forms not rewritten are kept like ``allowed`` ones.

        >>> e = Entry("place.kyiv", "place", {"en": "Kyiv"}, variants=("Kyev",), former=("Kiev",), former_until=2019)
        >>> e.profiled().variants, e.profiled(text_year=2019).allowed
        (('Kyev', 'Kiev'), ('Kiev',))
        """
        from dataclasses import replace

        variants, allowed, house = list(self.variants), list(self.allowed), list(self.house)
        if house_style:
            variants += house
            house = []
        if self.former:
            (allowed if self.former_in(text_year) else variants).extend(self.former)
        return replace(self, variants=tuple(variants), allowed=tuple(allowed), house=tuple(house), former=())


@dataclass(frozen=True)
class Phrase:
    id: str
    source_lang: str
    source: str
    translation: Mapping[str, str]
    note: str = ""
    file: str = ""
    line: int = 0


@dataclass
class Glossary:
    entries: list[Entry] = field(default_factory=list)
    phrases: list[Phrase] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # in precedence order
    # The cache key of the files it was loaded from ("" when made in memory): see pipeline/cache.py.
    source_key: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        self._phrase_index: dict[tuple[str, str], Phrase] | None = None

    def phrase_for(self, text: str, source_lang: str, target_lang: str) -> Phrase | None:
        """The phrase entry whose source equals *text* (whitespace and case normalized)
        and which has a translation into *target_lang*.

        >>> g = Glossary(phrases=[Phrase("ph.x", "el", "παγωμένα  ρωσικά", {"en": "frozen Russian"})])
        >>> g.phrase_for("Παγωμένα ρωσικά", "el", "en").translation["en"]
        'frozen Russian'
        """
        if self._phrase_index is None:
            index: dict[tuple[str, str], Phrase] = {}
            for p in self.phrases:
                index.setdefault((p.source_lang, normalize_key(p.source)), p)
            self._phrase_index = index
        p = self._phrase_index.get((source_lang, normalize_key(text)))
        return p if p is not None and target_lang in p.translation else None

    def names(self) -> set[str]:
        """Every canonical, surname, variant and allowed form of every entry, all languages."""
        out: set[str] = set()
        for e in self.entries:
            out.update(e.canonical.values())
            out.update(e.surname.values())
            out.update(e.variants)
            out.update(e.allowed)
            out.update(e.house)
            out.update(e.former)
        return out

    def get(self, entry_id: str) -> Entry | None:
        for e in self.entries:
            if e.id == entry_id:
                return e
        return None

    def profiled(self, *, house_style: bool = False, text_year: int | None = None) -> "Glossary":
        """The glossary as the names stage matches it (see :meth:`Entry.profiled`), made once per profile."""
        key = (house_style, text_year if any(e.former for e in self.entries) else None)
        cache = self.__dict__.setdefault("_profiled", {})
        styled = cache.get(key)
        if styled is None:
            styled = Glossary(entries=[e.profiled(house_style=house_style, text_year=text_year)
                                       for e in self.entries],
                              phrases=self.phrases, files=self.files,
                              source_key=f"{self.source_key}|{key}" if self.source_key else "")
            styled.__dict__["_rules"] = self.form_rules()
            cache[key] = styled
        return styled

    def form_rules(self) -> dict[str, dict[str, str]]:
        """Entry id -> {form: rule id} for the forms rewritten by a rule of their own (house and
        former spellings, as loaded); the other variants are rewritten by ``names.variant``."""
        rules = self.__dict__.get("_rules")
        if rules is None:
            rules = {}
            for e in self.entries:
                own = {**{h: "names.house_style" for h in e.house}, **{f: "names.former_spelling" for f in e.former}}
                if own:
                    rules[e.id] = own
            self.__dict__["_rules"] = rules
        return rules


def kind_name(text: str) -> str:
    """A kind as the glossaries spell it: ``places`` and ``place`` are both ``place``."""
    kind = KIND_ALIASES.get(text.strip().lower(), text.strip().lower())
    if kind not in KINDS:
        raise MtcleanError(f"kind {text!r} is not one of {', '.join(KINDS)}")
    return kind


def normalize_key(text: str) -> str:
    """NFC, case-folded, inner whitespace collapsed: how phrases and duplicates are compared."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _unique(xs: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(xs))


# -- reading files -------------------------------------------------------------

_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*(entry|phrase)[ \t]*\]\]", re.M)
_TOML_POS = re.compile(r"\(at line (\d+), column \d+\)")
_ANY_HEADER = re.compile(r"^[ \t]*\[")  # a table header (what follows a table's keys)


def table_lines(source: str) -> dict[str, list[int]]:
    """1-based line numbers of the ``[[entry]]`` and ``[[phrase]]`` headers, in file order."""
    out: dict[str, list[int]] = {"entry": [], "phrase": []}
    line, pos = 1, 0
    for m in _HEADER.finditer(source):
        line += source.count("\n", pos, m.start())
        pos = m.start()
        out[m.group(1)].append(line)
    return out


def read_source(path: str | Path) -> str:
    """A glossary file's text: a UTF-8 byte order mark (Windows editors write one) is not TOML, so it
    goes; line ends are kept as they are (TOML reads CRLF, and an edit writes them back)."""
    return Path(path).read_bytes().decode("utf-8").removeprefix("\ufeff")


def read_glossary_file(path: str | Path) -> tuple[dict[str, Any], list[Entry], list[Phrase]]:
    """Parse and validate one glossary file; raise :class:`GlossaryError` on the first problem."""
    path = Path(path)
    try:
        source = read_source(path)
    except UnicodeDecodeError as exc:
        raise GlossaryError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise GlossaryError(path, f"cannot read: {exc.strerror}") from None
    return parse_glossary(source, str(path))


def parse_glossary(source: str, file: str = "<string>", *, problems: list[GlossaryError] | None = None,
                   ) -> tuple[dict[str, Any], list[Entry], list[Phrase]]:
    """Parse and validate a glossary file's text.

    Every ``[[entry]]`` and ``[[phrase]]`` is checked, and a problem points at the line
    of the key at fault. With a *problems* list, they are added to it and the tables
    that have none come back; without, the first is raised, saying how many follow.
    """
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_POS.search(str(exc))
        msg = _TOML_POS.sub("", str(exc)).strip()
        raise GlossaryError(file, f"invalid TOML: {msg}", line=int(m.group(1)) if m else 0) from None
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise GlossaryError(file, f"unknown table(s) {', '.join(unknown)}", hint="valid: [glossary], [[entry]], [[phrase]]")
    meta = data.get("glossary", {})
    if not isinstance(meta, dict):
        raise GlossaryError(file, "[glossary] must be a table")
    bad = sorted(set(meta) - GLOSSARY_KEYS)
    if bad:
        raise GlossaryError(file, f"unknown key(s) {', '.join(bad)} in [glossary]", hint=f"valid: {', '.join(sorted(GLOSSARY_KEYS))}")
    default_lang = meta.get("default_lang", "en")
    if not isinstance(default_lang, str) or not default_lang:
        raise GlossaryError(file, "glossary.default_lang must be a language code such as \"en\"")
    lines = table_lines(source)
    raw_entries = data.get("entry", [])
    raw_phrases = data.get("phrase", [])
    if not isinstance(raw_entries, list) or not isinstance(raw_phrases, list):
        raise GlossaryError(file, "entries must be written as [[entry]] / [[phrase]] tables")
    found: list[GlossaryError] = []

    def checked(make, item, line):
        try:
            return make(item, line)
        except GlossaryError as exc:
            found.append(exc.at(_key_line(source, line, exc.key)) if exc.key and line else exc)
            return None

    entries = [e for i, item in enumerate(raw_entries)
               if (e := checked(lambda it, ln: _entry(it, file, ln, default_lang), item, _nth(lines["entry"], i)))]
    phrases = [p for i, item in enumerate(raw_phrases)
               if (p := checked(lambda it, ln: _phrase(it, file, ln), item, _nth(lines["phrase"], i)))]
    if found and problems is None:
        first = found[0]
        if len(found) > 1:
            more = f"{len(found) - 1} more problem(s) in this file: see `mtclean glossary lint`"
            first = GlossaryError(first.file, first.problem, line=first.line, entry=first.entry, key=first.key,
                                  hint=f"{first.hint}; {more}" if first.hint else more)
        raise first
    if problems is not None:
        problems.extend(found)
    return meta, entries, phrases


def file_problems(path: str | Path) -> list[GlossaryError]:
    """Everything wrong with one glossary file's text and structure (all of it, not the first)."""
    problems: list[GlossaryError] = []
    try:
        path = Path(path)
        source = read_source(path)
        parse_glossary(source, str(path), problems=problems)
    except UnicodeDecodeError as exc:
        problems.append(GlossaryError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except OSError as exc:
        problems.append(GlossaryError(path, f"cannot read: {exc.strerror}"))
    except GlossaryError as exc:  # the file as a whole: invalid TOML, unknown tables
        problems.append(exc)
    return problems


def _key_line(source: str, header_line: int, key: str) -> int:
    """The line of *key* inside the table whose header is on *header_line* (the header's, if not found)."""
    pattern = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=")
    lines = source.split("\n")
    for n in range(header_line, len(lines)):  # header_line is 1-based: this starts on the line after it
        if _ANY_HEADER.match(lines[n]):
            break
        if pattern.match(lines[n]):
            return n + 1
    return header_line


def _nth(lines: list[int], i: int) -> int:
    return lines[i] if i < len(lines) else 0


def _str_list(value: Any, key: str, file: str, line: int, eid: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GlossaryError(file, f"{key} must be a list of strings", line=line, entry=eid, key=key)
    return tuple(value)


def _lang_table(value: Any, key: str, file: str, line: int, eid: str, default_lang: str) -> dict[str, str]:
    if isinstance(value, str):
        value = {default_lang: value}
    if not isinstance(value, dict) or not value or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise GlossaryError(
            file, f"{key} must be a table of language = \"spelling\"", line=line, entry=eid,
            hint=f'e.g. {key} = {{ en = "..." }}', key=key,
        )
    return dict(value)


def _checked_id(item: Any, file: str, line: int, what: str, keys: Iterable[str], example: str) -> str:
    """The id of an [[entry]] or [[phrase]] table, after checking its shape and keys."""
    if not isinstance(item, dict):
        raise GlossaryError(file, f"[[{what}]] must be a table", line=line)
    iid = item.get("id")
    if not isinstance(iid, str) or not iid:
        raise GlossaryError(file, f"{what} has no id", line=line, hint=f'add id = "{example}"')
    if not ID_RE.match(iid):
        raise GlossaryError(file, "id may use only a-z, 0-9, '.', '_' and '-'", line=line, entry=iid, key="id")
    bad = sorted(set(item) - set(keys))
    if bad:
        raise GlossaryError(file, f"unknown key(s) {', '.join(bad)}", line=line, entry=iid,
                            hint=f"valid: {', '.join(sorted(keys))}", key=bad[0])
    return iid


def _entry(item: Any, file: str, line: int, default_lang: str) -> Entry:
    eid = _checked_id(item, file, line, "entry", ENTRY_KEYS, "person.first-last")
    kind = item.get("kind", "term")
    if kind not in KINDS:
        raise GlossaryError(file, f"kind {kind!r} is not one of {', '.join(KINDS)}", line=line, entry=eid,
                            key="kind")
    if "canonical" not in item:
        raise GlossaryError(file, "entry has no canonical spelling", line=line, entry=eid)
    canonical = _lang_table(item["canonical"], "canonical", file, line, eid, default_lang)
    surname = _lang_table(item["surname"], "surname", file, line, eid, default_lang) if "surname" in item else {}
    case_sensitive = item.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        raise GlossaryError(file, "case_sensitive must be true or false", line=line, entry=eid, key="case_sensitive")
    note = item.get("note", "")
    if not isinstance(note, str):
        raise GlossaryError(file, "note must be a string", line=line, entry=eid, key="note")
    former = _str_list(item.get("former", []), "former", file, line, eid)
    former_until = item.get("former_until", 0)
    if former and not (type(former_until) is int and former_until in FORMER_YEARS):
        raise GlossaryError(file, "former spellings need the year the major outlets stopped using them",
                            line=line, entry=eid, key="former_until" if "former_until" in item else "former",
                            hint="e.g. former_until = 2019 (a year from 1900 to 2100)")
    if "former_until" in item and not former:
        raise GlossaryError(file, "former_until without former spellings", line=line, entry=eid,
                            key="former_until", hint='add former = ["..."] or remove former_until')
    return Entry(
        id=eid,
        kind=kind,
        canonical=canonical,
        variants=_str_list(item.get("variants", []), "variants", file, line, eid),
        allowed=_str_list(item.get("allowed", []), "allowed", file, line, eid),
        house=_str_list(item.get("house", []), "house", file, line, eid),
        former=former,
        former_until=former_until,
        surname=surname,
        case_sensitive=case_sensitive,
        context=_str_list(item.get("context", []), "context", file, line, eid),
        note=note,
        file=file,
        line=line,
    )


def _phrase(item: Any, file: str, line: int) -> Phrase:
    pid = _checked_id(item, file, line, "phrase", PHRASE_KEYS, "phrase.el.some-words")
    for key in ("source_lang", "source"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise GlossaryError(file, f"phrase needs a non-empty {key}", line=line, entry=pid, key=key)
    translation = _lang_table(item.get("translation"), "translation", file, line, pid, "en")
    note = item.get("note", "")
    if not isinstance(note, str):
        raise GlossaryError(file, "note must be a string", line=line, entry=pid, key="note")
    return Phrase(pid, item["source_lang"], item["source"], translation, note, file, line)


# -- loading directories ----------------------------------------------------------


def shipped_dir() -> Path:
    """The directory of the glossaries installed with mtclean (package ``mtclean.glossaries``)."""
    import mtclean.glossaries

    return Path(mtclean.glossaries.__file__).resolve().parent


def glossary_files(path: str | Path) -> list[Path]:
    """The ``*.toml`` files of a glossary directory (one level of sub-folders too), sorted; a file stands for itself."""
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise GlossaryError(p, "glossary directory not found")
    return sorted([*p.glob("*.toml"), *p.glob("*/*.toml")])


_cache: dict[tuple, Glossary] = {}
_cache_lock = threading.Lock()


def _signature(sources: Sequence[Path]) -> tuple:
    sig = []
    for group in sources:
        for f in glossary_files(group):
            st = f.stat()
            sig.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(sig)


def _groups(dirs: Sequence[str | Path] | str | Path, shipped: bool) -> list[Path]:
    """The directories (or files) to read, resolved, highest precedence first, each once."""
    groups = [Path(d) for d in ((dirs,) if isinstance(dirs, (str, Path)) else dirs)]
    if shipped:
        groups.append(shipped_dir())
    return list(dict.fromkeys(g.resolve() for g in groups))  # ./glossaries may be the shipped folder itself


def load_glossaries(dirs: Sequence[str | Path] = (), *, shipped: bool = True) -> Glossary:
    """Load every glossary in *dirs* (highest precedence first), then the shipped ones.

    Cached per (directories, file mtimes and sizes): a stage calling this in
    every worker pays for parsing once, and an edited file is read again.
    """
    resolved = _groups(dirs, shipped)
    key = (tuple(map(str, resolved)), _signature(resolved))
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    glossary = _load_cached(resolved)
    with _cache_lock:
        if len(_cache) > 32:
            _cache.clear()
        _cache[key] = glossary
    return glossary


def _load_cached(groups: Sequence[Path]) -> Glossary:
    """:func:`_load`, through the on-disk cache (keyed by every file's path and bytes, in order)."""
    from mtclean.pipeline import cache

    try:
        parts: list[bytes | str] = [Path(__file__).read_bytes()]
        for group in groups:
            parts += ["group", str(group), *cache.file_parts(glossary_files(group))]
    except OSError:  # an unreadable file: _load says which, as a GlossaryError
        return _load(groups)
    source_key = cache.key(*parts)
    glossary = cache.cached("glossary", [source_key], lambda: _load(groups))
    glossary.source_key = source_key
    return glossary


def _load(groups: Sequence[Path]) -> Glossary:
    entries: dict[str, Entry] = {}
    phrases: dict[str, Phrase] = {}
    files: list[str] = []
    for group in groups:
        seen_here: dict[str, tuple[str, int]] = {}
        for f in glossary_files(group):
            files.append(str(f))
            _, es, ps = read_glossary_file(f)
            for item in [*es, *ps]:
                if item.id in seen_here:
                    other, oline = seen_here[item.id]
                    raise GlossaryError(item.file, f"id also used at {other}:{oline}", line=item.line, entry=item.id,
                                        hint="ids must be unique; give one of them another id")
                seen_here[item.id] = (item.file, item.line)
            for e in es:
                entries.setdefault(e.id, e)  # an earlier (higher-precedence) directory wins
            for p in ps:
                phrases.setdefault(p.id, p)
    return Glossary(entries=list(entries.values()), phrases=list(phrases.values()), files=files)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


GLOSSARY_DIR_ENV = "MTCLEAN_GLOSSARY_DIR"
PROJECT_DIR = "glossaries"  # in the directory mtclean runs in


def project_dir(explicit: str | Path | None = None) -> tuple[Path, str]:
    """The project glossary directory, and what named it: the one answer for every command.

    ``--glossary-dir`` when given, else ``$MTCLEAN_GLOSSARY_DIR``, else ``./glossaries``.
    The glossary commands edit it; cleanup, detect and review read it before the
    shipped glossaries, so an entry an editor adds changes the next run there.
    """
    if explicit:
        return Path(explicit), "--glossary-dir"
    env = os.environ.get(GLOSSARY_DIR_ENV)
    if env:
        return Path(env), f"${GLOSSARY_DIR_ENV}"
    return Path(PROJECT_DIR), f"./{PROJECT_DIR}"


def default_project_dir() -> Path:
    """The project glossary directory the CLI edits by default: ``$MTCLEAN_GLOSSARY_DIR`` or ``./glossaries``."""
    return project_dir()[0]


def project_dirs(explicit: str | Path | None = None) -> tuple[str, ...]:
    """The project glossary directory to read, as an absolute path (workers may run elsewhere).

    ``./glossaries`` is read when it exists; a directory named by ``--glossary-dir`` or
    ``$MTCLEAN_GLOSSARY_DIR`` must exist: a typo there is an error, not a silent run
    without the house spellings.
    """
    path, named_by = project_dir(explicit)
    if path.is_dir():
        return (str(path.resolve()),)
    if named_by != f"./{PROJECT_DIR}":
        raise GlossaryError(path, f"glossary directory not found (named by {named_by})")
    return ()


def files_read_by(stages: Iterable[Any]) -> list[Path]:
    """Every glossary file the *stages* read (those with a ``glossary_dirs`` option), in order, once."""
    files: dict[Path, None] = {}
    for stage in stages:
        config = getattr(stage, "config", None)
        if config is not None and hasattr(config, "glossary_dirs"):
            for f in source_files(config.glossary_dirs, shipped=getattr(config, "shipped_glossaries", True)):
                files.setdefault(f.resolve())
    return list(files)


def digests_read_by(stages: Iterable[Any]) -> list[tuple[Path, str | None]]:
    """:func:`files_read_by` with the SHA-256 of each file's bytes (None if it cannot be read):
    what a run used, for its report header and for the fingerprint that guards its resumption."""
    out = []
    for f in files_read_by(stages):
        try:
            out.append((f, hashlib.sha256(f.read_bytes()).hexdigest()))
        except OSError:
            out.append((f, None))
    return out


def source_files(dirs: Sequence[str | Path] = (), *, shipped: bool = True) -> list[Path]:
    """The glossary files :func:`load_glossaries` reads for *dirs*, in precedence order."""
    return [f for group in _groups(dirs, shipped) for f in glossary_files(group)]
