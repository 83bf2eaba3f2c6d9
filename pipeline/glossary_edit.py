"""Editing glossary files the way editors wrote them, and checking them.

Edits go through tomlkit, which keeps comments, blank lines, key order and the
quoting of everything it does not touch; a new entry is appended at the end of
its file and a new variant at the end of its list, so diffs stay small. Every
write goes to a temporary file in the same directory and replaces the original
with ``os.replace`` (atomic: a crash never leaves half a glossary).

Also here: :func:`lint` (problems that make a glossary ambiguous), CSV and
TBX v3 import/export.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import tomlkit

from mtclean.pipeline import io as files
from mtclean.pipeline.errors import MtcleanError
from mtclean.pipeline.glossary import (
    KINDS, Entry, Glossary, Phrase, glossary_files, normalize_key, parse_glossary, read_source,
)

FILE_FOR_KIND = {"person": "people.toml", "place": "places.toml", "organization": "organizations.toml",
                 "term": "terms.toml"}


class GlossaryEditError(MtcleanError):
    """An edit that would make the glossary wrong (duplicate id, variant claimed elsewhere...)."""


def slug(text: str) -> str:
    """An id-friendly form of *text*: ``"Volodymyr Zelensky"`` -> ``"volodymyr-zelensky"``."""
    s = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s or "entry"


def make_id(kind: str, canonical: str) -> str:
    return f"{kind}.{slug(canonical)}"


# -- files -----------------------------------------------------------------------------


def write_atomic(path: Path, text: str) -> None:
    """Write *text* to *path* through a temporary file and ``os.replace``."""
    files.atomic_write(path, text.encode("utf-8"))


class GlossaryFile:
    """One glossary file opened for editing with tomlkit."""

    def __init__(self, path: str | Path, *, name: str | None = None):
        self.path = Path(path)
        self.fmt = files.TextFormat()  # a BOM and CRLF line ends are written back as found
        if self.path.exists():
            text, self.fmt = files.decode(self.path.read_bytes(), str(self.path))
            parse_glossary(text, str(self.path))  # refuse to edit a file that does not validate
            self.doc = tomlkit.parse(text)
            if tomlkit.dumps(self.doc) != text:
                raise GlossaryEditError(
                    f"{self.path}: cannot be edited without moving tables around",
                    hint="keep all [[entry]] tables together, with the [[phrase]] tables before or after them")
        else:
            self.doc = tomlkit.document()
            self.doc.add(tomlkit.comment("Glossary created by `mtclean glossary`; see glossaries/README.md."))
            meta = tomlkit.table()
            meta["name"] = name or self.path.stem
            meta["description"] = ""
            meta["default_lang"] = "en"
            meta.add(tomlkit.nl())
            self.doc["glossary"] = meta

    @property
    def default_lang(self) -> str:
        return str(self.doc.get("glossary", {}).get("default_lang", "en"))

    def entries(self):
        return self.doc.get("entry", [])

    def find(self, entry_id: str):
        for item in self.entries():
            if item.get("id") == entry_id:
                return item
        return None

    def add_entry(self, entry: Entry) -> None:
        if self.find(entry.id) is not None:
            raise GlossaryEditError(f"{self.path}: id {entry.id!r} already exists")
        t = tomlkit.table()
        t["id"] = entry.id
        t["kind"] = entry.kind
        t["canonical"] = _inline(entry.canonical)
        if entry.surname:
            t["surname"] = _inline(entry.surname)
        t["variants"] = _array(entry.variants)
        if entry.allowed:
            t["allowed"] = _array(entry.allowed)
        if entry.house:
            t["house"] = _array(entry.house)
        if entry.former:
            t["former"] = _array(entry.former)
            t["former_until"] = entry.former_until
        if entry.case_sensitive:
            t["case_sensitive"] = True
        if entry.context:
            t["context"] = _array(entry.context)
        if entry.note:
            t["note"] = entry.note
        t.add(tomlkit.nl())
        if "entry" in self.doc and not isinstance(self.doc["entry"], tomlkit.items.AoT):
            if len(self.doc["entry"]):
                raise GlossaryEditError(f"{self.path}: entries must be written as [[entry]] tables to be edited")
            del self.doc["entry"]  # `entry = []`, as earlier versions left a file whose last entry was removed
        if "entry" not in self.doc:
            self.doc.append("entry", tomlkit.aot())
        self.doc["entry"].append(t)

    def remove_entry(self, entry_id: str) -> None:
        """Take the entry's lines out of the file, and nothing else.

        Done on the text rather than through tomlkit, which keeps the comments that
        follow a table's last key inside that table: deleting it deleted the next
        section's heading comment (``# --- B ---``), and deleting a file's last entry
        left ``entry = []``, which the next edit could not extend. Here the entry goes
        from its ``[[entry]]`` line to its last key (comments between its keys with it);
        comments above its header or after its last key stay where they are.
        """
        ids = [item.get("id") for item in self.entries()]
        if entry_id not in ids:
            raise GlossaryEditError(f"{self.path}: no entry with id {entry_id!r}")
        text = self.text()
        lines = text.splitlines(keepends=True)
        headers = [i for i, line in enumerate(lines) if _TOP_HEADER.match(line)]
        entry_headers = [i for i in headers if _TOP_HEADER.match(lines[i]).group(1) == "entry"]
        start = entry_headers[ids.index(entry_id)]
        end = next((i for i in headers if i > start), len(lines))  # the next top-level table
        last = max(i for i in range(start, end) if lines[i].strip() and not lines[i].lstrip().startswith("#"))
        stop = last + 1
        while stop < end and not lines[stop].strip():  # the blank lines that separated it from what follows
            stop += 1
        if stop < len(lines) and start > 0 and lines[start - 1].strip():
            stop = max(last + 1, stop - 1)  # keep one blank line where the block was between two others
        new_text = "".join(lines[:start] + lines[stop:])
        if new_text and not new_text.endswith("\n"):
            new_text += "\n"
        _, entries, _ = parse_glossary(new_text, str(self.path))
        if [e.id for e in entries] != [i for i in ids if i != entry_id]:  # never more than the one entry
            raise GlossaryEditError(f"{self.path}: cannot remove {entry_id} without touching other entries",
                                    hint="edit the file by hand")
        self.doc = tomlkit.parse(new_text)

    def add_variant(self, entry_id: str, variant: str, *, key: str = "variants") -> bool:
        """Append *variant* to the entry's list; False when it is already there."""
        item = self.find(entry_id)
        if item is None:
            raise GlossaryEditError(f"{self.path}: no entry with id {entry_id!r}")
        if key not in item:
            item[key] = _array(())
        arr = item[key]
        same = str if item.get("case_sensitive") else normalize_key
        if same(variant) in {same(str(v)) for v in arr}:  # `zelenski` beside `Zelenski` adds nothing
            return False
        arr.append(variant)
        return True

    def text(self) -> str:
        return tomlkit.dumps(self.doc)

    def save(self, glossary: Glossary | None = None) -> list[Problem]:
        """Write the file, unless it would not load or, given the *glossary* it belongs to (as
        loaded before the edit), unless lint would find an error the edit brings in. Returns
        the warnings the edit brings in (written all the same: lint passes with warnings)."""
        new = self.check(glossary)
        files.atomic_write(self.path, files.encode(self.text(), self.fmt))
        return new

    def check(self, glossary: Glossary | None = None) -> list[Problem]:
        """What :meth:`save` checks, without writing: raises on an error, returns new warnings."""
        text = self.text()
        parse_glossary(text, str(self.path))  # never write a file that would not load
        new = [] if glossary is None else problems_added(glossary, self.path, text)
        errors = [p for p in new if p.severity == "error"]
        if errors:
            raise GlossaryEditError(f"not written: {errors[0]}",
                                    hint=f"{len(errors)} lint error(s); nothing was changed" if len(errors) > 1
                                    else "nothing was changed")
        return new


# A top-level table header: [glossary], [[entry]] or [[phrase]] (not a sub-table such as [entry.note]).
_TOP_HEADER = re.compile(r"^[ \t]*\[\[?[ \t]*(entry|phrase|glossary)[ \t]*\]\]?[ \t]*(?:#.*)?$")


def _inline(mapping: Mapping[str, str]):
    t = tomlkit.inline_table()
    for k, v in mapping.items():
        t[k] = v
    return t


def _array(values: Iterable[str]):
    a = tomlkit.array()
    for v in values:
        a.append(v)
    return a


def entry_file(directory: Path, entry_id: str) -> Path | None:
    """The file of *directory* that defines *entry_id*."""
    if not directory.exists():
        return None
    for f in glossary_files(directory):
        _, entries, phrases = parse_glossary(read_source(f), str(f))
        if any(e.id == entry_id for e in [*entries, *phrases]):
            return f
    return None


# -- checks before an edit ----------------------------------------------------------------


def check_new_forms(glossary: Glossary, forms: Iterable[str], *, own_id: str | None = None) -> None:
    """Refuse forms another entry already uses (as canonical, variant, surname or allowed form)."""
    for form in forms:
        if not form or form != form.strip():
            raise GlossaryEditError(f"empty or padded spelling {form!r}")
        key = normalize_key(form)
        for e in glossary.entries:
            if e.id == own_id:
                continue
            if key in {normalize_key(x) for x in [*e.canonical.values(), *e.variants, *e.surname.values()]}:
                raise GlossaryEditError(f"{form!r} is already used by {e.id} ({e.file}:{e.line})",
                                        hint="remove it there first, or choose the entry it belongs to")


# -- lint ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    code: str
    entry: str
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: [{self.entry}] {self.message} ({self.code})"


def problems_added(glossary: Glossary, path: Path, new_text: str) -> list[Problem]:
    """What lint would find in *glossary* with *path* holding *new_text*, that it does not find now.

    Problems are compared without their line numbers (an edit moves lines), so an
    edit is judged by what it brings in, not by problems elsewhere that it leaves.
    """
    meta, entries, phrases = parse_glossary(new_text, str(path))
    target = path.resolve()

    def elsewhere(item: Entry | Phrase) -> bool:
        return Path(item.file).resolve() != target

    ids = {e.id for e in entries} | {p.id for p in phrases}
    after = Glossary(entries=[*entries, *(e for e in glossary.entries if elsewhere(e) and e.id not in ids)],
                     phrases=[*phrases, *(p for p in glossary.phrases if elsewhere(p) and p.id not in ids)],
                     files=list(dict.fromkeys([*glossary.files, str(path)])))

    def key(p: Problem) -> tuple[str, str, str, str]:
        return p.severity, p.code, p.entry, p.message

    before = {key(p) for p in lint(glossary)}
    return [p for p in lint(after, metas=[(str(path), meta)]) if key(p) not in before]


def _lang_ok(code: str) -> bool:
    import langcodes

    return bool(code) and code == code.strip() and langcodes.tag_is_valid(code)


def lint(glossary: Glossary, *, metas: Sequence[tuple[str, Mapping]] = ()) -> list[Problem]:
    """Everything that makes a glossary ambiguous or broken, sorted by file and line."""
    out: list[Problem] = []

    def add(sev: str, code: str, e: Entry | Phrase, msg: str) -> None:
        out.append(Problem(sev, code, e.id, e.file, e.line, msg))

    for file, meta in metas:
        lang = meta.get("default_lang", "en")
        if not _lang_ok(str(lang)):
            out.append(Problem("error", "unknown-language", "", file, 1, f"default_lang {lang!r} is not a language code"))

    # Who uses each form: folded spelling -> [(entry, role, form)]
    uses: dict[str, list[tuple[Entry, str, str]]] = {}
    for e in glossary.entries:
        for role, forms in (("canonical", e.canonical.values()), ("surname", e.surname.values()),
                            ("variant", (*e.variants, *e.former)), ("allowed", (*e.allowed, *e.house))):
            for f in forms:
                uses.setdefault(normalize_key(f), []).append((e, role, f))

    for e in glossary.entries:
        strings = [*e.canonical.values(), *e.surname.values(), *e.variants, *e.allowed, *e.house, *e.former,
                   *e.context]
        for s in strings:
            if not s.strip() or s != s.strip() or "  " in s:
                add("error", "padded", e, f"empty or padded spelling {s!r}")
        for lang in [*e.canonical, *e.surname]:
            if not _lang_ok(lang):
                add("error", "unknown-language", e, f"{lang!r} is not a language code")
        for key in ("variants", "allowed", "house", "former", "context"):
            vals = [normalize_key(v) for v in getattr(e, key)]
            dups = sorted({v for v in vals if vals.count(v) > 1})
            if dups:
                add("warning", "duplicate", e, f"{key} lists {', '.join(dups)} twice")
        both = sorted({normalize_key(v) for v in e.variants} & {normalize_key(f) for f in e.former})
        if both:
            add("error", "former-is-variant", e, f"{', '.join(both)} listed as both variant and former spelling")
        own_correct = {normalize_key(x) for x in [*e.canonical.values(), *e.surname.values(), *e.allowed, *e.house]}
        for v in (*e.variants, *e.former):
            k = normalize_key(v)
            if k in own_correct:
                same = [x for x in [*e.canonical.values(), *e.surname.values(), *e.allowed, *e.house]
                        if normalize_key(x) == k]
                if e.case_sensitive and v not in same:
                    continue
                add("error", "case-collision" if v not in same else "variant-is-correct", e,
                    f"variant {v!r} is also one of the entry's correct forms ({', '.join(same)})")
            for other, role, form in uses.get(k, ()):
                if other.id == e.id:
                    continue
                if e.case_sensitive and other.case_sensitive and form != v:
                    continue
                if role == "variant":
                    if e.id < other.id:
                        add("error", "variant-claimed-twice", e, f"variant {v!r} is also a variant of {other.id}")
                elif role in ("canonical", "surname"):
                    add("error", "variant-is-canonical", e, f"variant {v!r} is the {role} of {other.id}")
                else:
                    add("error", "variant-is-allowed", e, f"variant {v!r} is an allowed form of {other.id}")
                if form != v and role != "variant":
                    add("warning", "case-collision", e, f"{v!r} and {other.id}'s {form!r} differ only in case")
        # Chains: what we correct to must not itself be corrected by another entry.
        for form in [*e.canonical.values(), *e.surname.values()]:
            for other, role, f in uses.get(normalize_key(form), ()):
                if other.id != e.id and role == "variant":
                    add("error", "chain", e, f"correction {form!r} is itself a variant of {other.id}")
        if any(len(v.split()) == 1 for v in e.variants) and not e.surname and any(
                len(c.split()) > 1 for c in e.canonical.values()) and e.kind == "person":
            add("warning", "no-surname", e,
                "one-word variants will be replaced by the full name; add surname = { en = \"...\" }")

    # Variants found whole-word inside other entries' correct forms ("Kiev" inside "Dynamo Kiev" of another entry).
    import ahocorasick

    auto = ahocorasick.Automaton()
    for e in glossary.entries:
        for v in (*e.variants, *e.former):
            k = normalize_key(v)
            if k:
                auto.add_word(f" {k} ", auto.get(f" {k} ", ()) + ((e, v),))
    if len(auto):
        auto.make_automaton()
        for e in glossary.entries:
            for form in {*e.canonical.values(), *e.allowed}:
                padded = " " + " ".join(re.findall(r"\w+", normalize_key(form))) + " "
                for _, hits in auto.iter(padded):
                    for other, v in hits:
                        if other.id != e.id and normalize_key(v) != normalize_key(form):
                            add("error", "variant-inside-name", other,
                                f"variant {v!r} occurs inside {e.id}'s {form!r}")

    for p in glossary.phrases:
        if not _lang_ok(p.source_lang):
            add("error", "unknown-language", p, f"source_lang {p.source_lang!r} is not a language code")
        for lang in p.translation:
            if not _lang_ok(lang):
                add("error", "unknown-language", p, f"translation language {lang!r} is not a language code")
        for s in [p.source, *p.translation.values()]:
            if not s.strip() or s != s.strip():
                add("error", "padded", p, f"empty or padded text {s!r}")
    seen: dict[tuple[str, str], Phrase] = {}
    for p in glossary.phrases:
        key = (p.source_lang, normalize_key(p.source))
        if key in seen:
            add("error", "phrase-twice", p, f"same source as {seen[key].id}")
        seen.setdefault(key, p)
    return sorted(set(out), key=lambda p: (p.file, p.line, p.entry, p.code, p.message))


# -- CSV ----------------------------------------------------------------------------------


def export_csv(glossary: Glossary, *, lang: str = "en") -> str:
    """``variant,canonical`` rows (DeepL / Google glossary shape); an entry without variants gives ``canonical,canonical``.

    Former spellings are rows too: the shape has no place for a year, and a glossary applied
    by a translation tool applies today's spelling."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for e in glossary.entries:
        canonical = e.canonical_for(lang)
        if not e.variants and not e.former:
            w.writerow([canonical, canonical])
        for v in (*e.variants, *e.former):
            w.writerow([v, canonical])
    return buf.getvalue()


def read_csv(text: str) -> list[tuple[str, str]]:
    rows = []
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for i, row in enumerate(csv.reader(io.StringIO(text), dialect)):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < 2:
            raise GlossaryEditError(f"CSV line {i + 1}: expected variant,canonical")
        if i == 0 and [c.strip().lower() for c in row[:2]] in (["variant", "canonical"], ["source", "target"]):
            continue
        rows.append((row[0].strip(), row[1].strip()))
    return rows


# -- TBX v3 -----------------------------------------------------------------------------------

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS = {"preferred": "preferredTerm-admn-sts", "deprecated": "deprecatedTerm-admn-sts",
          "admitted": "admittedTerm-admn-sts", "superseded": "supersededTerm-admn-sts"}


def export_tbx(glossary: Glossary, *, lang: str = "en") -> str:
    """TBX v3 (TBX-Basic, DCA style): one conceptEntry per entry; canonical = preferred term,
    variants = deprecated terms, allowed forms = admitted terms, house forms = admitted terms marked
    ``<admin type="mtclean-house">true</admin>``, former spellings = superseded terms with
    ``<admin type="mtclean-formerUntil">YEAR</admin>``, surname = preferred short form."""
    ET.register_namespace("", TBX_NS)
    q = lambda tag: f"{{{TBX_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("tbx"), {"type": "TBX-Basic", "style": "dca", XML_LANG: lang})
    header = ET.SubElement(root, q("tbxHeader"))
    fd = ET.SubElement(header, q("fileDesc"))
    sd = ET.SubElement(fd, q("sourceDesc"))
    ET.SubElement(sd, q("p")).text = "Exported by mtclean glossary export"
    body = ET.SubElement(ET.SubElement(root, q("text")), q("body"))
    for e in glossary.entries:
        ce = ET.SubElement(body, q("conceptEntry"), {"id": e.id})
        ET.SubElement(ce, q("descrip"), {"type": "subjectField"}).text = e.kind
        if e.note:
            ET.SubElement(ce, q("note")).text = e.note
        if e.case_sensitive:
            ET.SubElement(ce, q("admin"), {"type": "mtclean-caseSensitive"}).text = "true"
        for c in e.context:
            ET.SubElement(ce, q("admin"), {"type": "mtclean-context"}).text = c
        langs = list(dict.fromkeys([*e.canonical, *e.surname, lang]))
        for lg in langs:
            terms: list[tuple[str, str, str | None]] = []
            if lg in e.canonical:
                terms.append((e.canonical[lg], "preferred", "fullForm"))
            if lg in e.surname:
                terms.append((e.surname[lg], "preferred", "shortForm"))
            if lg == lang:
                terms += [(v, "deprecated", None) for v in e.variants]
                terms += [(a, "admitted", None) for a in e.allowed]
                terms += [(h, "admitted", "house") for h in e.house]
                terms += [(f, "superseded", "former") for f in e.former]
            if not terms:
                continue
            ls = ET.SubElement(ce, q("langSec"), {XML_LANG: lg})
            for term, status, term_type in terms:
                ts = ET.SubElement(ls, q("termSec"))
                ET.SubElement(ts, q("term")).text = term
                if term_type == "house":  # a correct spelling the house style rewrites (see glossaries/README.md)
                    ET.SubElement(ts, q("admin"), {"type": "mtclean-house"}).text = "true"
                elif term_type == "former":  # the usual spelling until the year given
                    ET.SubElement(ts, q("admin"), {"type": "mtclean-formerUntil"}).text = str(e.former_until)
                elif term_type:
                    ET.SubElement(ts, q("termNote"), {"type": "termType"}).text = term_type
                ET.SubElement(ts, q("termNote"), {"type": "administrativeStatus"}).text = STATUS[status]
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def read_tbx(text: str, *, default_kind: str = "term") -> list[Entry]:
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        raise GlossaryEditError(f"invalid TBX: {exc}") from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    q = (lambda tag: f"{{{ns}}}{tag}") if ns else (lambda tag: tag)  # noqa: E731
    if root.tag != q("tbx"):
        raise GlossaryEditError(f"not a TBX file (root element {root.tag!r})")
    out = []
    for n, ce in enumerate(root.iter(q("conceptEntry"))):
        canonical: dict[str, str] = {}
        surname: dict[str, str] = {}
        variants: list[str] = []
        allowed: list[str] = []
        house: list[str] = []
        former: list[str] = []
        former_until = 0
        for ls in ce.findall(q("langSec")):
            lg = ls.get(XML_LANG, "en")
            for ts in ls.findall(q("termSec")):
                term = (ts.findtext(q("term")) or "").strip()
                notes = {tn.get("type"): (tn.text or "").strip() for tn in ts.findall(q("termNote"))}
                status = notes.get("administrativeStatus", "preferredTerm-admn-sts")
                if not term:
                    continue
                until = (ts.findtext(q("admin[@type='mtclean-formerUntil']")) or "").strip()
                if status.startswith("supersededTerm") and until.isdigit():
                    former.append(term)
                    former_until = max(former_until, int(until))
                elif status.startswith("deprecated") or status.startswith("supersededTerm"):
                    variants.append(term)
                elif status.startswith("admitted"):
                    is_house = (ts.findtext(q("admin[@type='mtclean-house']")) or "").strip() == "true"
                    (house if is_house else allowed).append(term)
                elif notes.get("termType") == "shortForm":
                    surname.setdefault(lg, term)
                elif lg not in canonical:
                    canonical[lg] = term
                else:
                    allowed.append(term)
        if not canonical:
            raise GlossaryEditError(f"TBX conceptEntry {ce.get('id') or n + 1} has no preferred term")
        kind = (ce.findtext(q("descrip[@type='subjectField']")) or default_kind).strip()
        first = canonical.get("en") or next(iter(canonical.values()))
        out.append(Entry(
            id=ce.get("id") or make_id(kind if kind in KINDS else default_kind, first),
            kind=kind if kind in KINDS else default_kind,
            canonical=canonical, variants=tuple(variants), allowed=tuple(allowed), surname=surname,
            case_sensitive=(ce.findtext(q("admin[@type='mtclean-caseSensitive']")) or "").strip() == "true",
            context=tuple((a.text or "").strip() for a in ce.findall(q("admin[@type='mtclean-context']"))),
            note=(ce.findtext(q("note")) or "").strip(),
            house=tuple(house),
            former=tuple(former),
            former_until=former_until,
        ))
    return out


def entries_from_csv(rows: Sequence[tuple[str, str]], *, kind: str, lang: str = "en") -> list[Entry]:
    """Group ``variant,canonical`` rows into entries (one per canonical, in first-seen order)."""
    grouped: dict[str, list[str]] = {}
    for variant, canonical in rows:
        if not canonical:
            raise GlossaryEditError(f"CSV row {variant!r} has no canonical spelling")
        vs = grouped.setdefault(canonical, [])
        if variant and variant != canonical and variant not in vs:
            vs.append(variant)
    # A row that changes only capitals (Nato -> NATO) means what it says only case-sensitively.
    return [Entry(make_id(kind, c), kind, {lang: c}, tuple(vs),
                  case_sensitive=any(normalize_key(v) == normalize_key(c) for v in vs))
            for c, vs in grouped.items()]


@dataclass
class MergeResult:
    added: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)  # entries that got new variants
    overridden: list[str] = field(default_factory=list)  # entries of other files copied in, with new variants
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # what was left out, and why
    files: dict[Path, "GlossaryFile"] = field(default_factory=dict)  # the files changed

    def summary(self) -> str:
        parts = [f"{len(self.added)} entries added", f"{len(self.extended)} extended"]
        if self.overridden:
            parts.append(f"{len(self.overridden)} copied from other glossaries with the new variants")
        parts += [f"{self.unchanged} unchanged", f"{len(self.conflicts)} conflict(s) left out"]
        return ", ".join(parts)


def merge_entries(glossary: Glossary, entries: Sequence[Entry], file_for, editable) -> MergeResult:
    """Merge imported *entries* into the glossaries *glossary* was loaded from.

    An entry whose id or canonical spelling is known gets the new variants and allowed
    forms: in its own file when that one can be edited (``editable(path)``), else as a
    copy with the same id in ``file_for(kind)`` (a project entry overrides a shipped
    one). An unknown entry is added to ``file_for(kind)``, so each kind lands in its
    own file. A spelling another entry already claims is left out and listed in
    ``conflicts``, and the rest goes on. Nothing is written here: see ``files``.
    """
    res = MergeResult()
    working = Glossary(entries=list(glossary.entries), phrases=list(glossary.phrases), files=list(glossary.files))

    def opened(path: Path) -> "GlossaryFile":
        path = Path(path)
        if path not in res.files:
            res.files[path] = GlossaryFile(path)
        return res.files[path]

    def claimed(form: str, own_id: str) -> str | None:
        try:
            check_new_forms(working, [form], own_id=own_id)
        except GlossaryEditError as exc:
            return str(exc)
        return None

    def replace(old: Entry | None, new: Entry) -> None:
        working.entries = [new if e is old else e for e in working.entries] if old else [*working.entries, new]

    for new in entries:
        by_canonical = {normalize_key(c): e for e in working.entries for c in e.canonical.values()}
        known = working.get(new.id) or next(
            (by_canonical[normalize_key(c)] for c in new.canonical.values() if normalize_key(c) in by_canonical), None)
        if known is None:
            bad = [c for c in new.canonical.values() if claimed(c, new.id)]
            if bad:
                res.conflicts.append(f"{new.id}: not added: {claimed(bad[0], new.id)}")
                continue
            variants = [v for v in new.variants if not _conflict(res, new.id, v, claimed(v, new.id))]
            entry = _with(new, variants=tuple(variants))
            opened(file_for(entry.kind)).add_entry(entry)
            replace(None, entry)
            res.added.append(entry.id)
            continue
        # A former spelling is rewritten by default already: importing it as a variant adds nothing.
        rewritten = {normalize_key(x) for x in (*known.variants, *known.former)}
        fresh_variants = [v for v in new.variants if normalize_key(v) not in rewritten]
        fresh_variants = [v for v in fresh_variants if not _conflict(res, known.id, v, claimed(v, known.id))]
        fresh_allowed = [a for a in new.allowed if normalize_key(a) not in {normalize_key(x) for x in known.allowed}]
        if not fresh_variants and not fresh_allowed:
            res.unchanged += 1
            continue
        updated = _with(known, variants=(*known.variants, *fresh_variants), allowed=(*known.allowed, *fresh_allowed))
        if editable(Path(known.file)):
            gf = opened(Path(known.file))
            for v in fresh_variants:
                gf.add_variant(known.id, v)
            for a in fresh_allowed:
                gf.add_variant(known.id, a, key="allowed")
            res.extended.append(known.id)
        else:
            gf = opened(file_for(known.kind))
            if gf.find(known.id) is None:
                gf.add_entry(_with(updated, note=(known.note + " " if known.note else "")
                                   + f"(Copied from {Path(known.file).name} by `mtclean glossary import`.)"))
            res.overridden.append(known.id)
        replace(known, updated)
    return res


def _conflict(res: MergeResult, entry_id: str, form: str, why: str | None) -> bool:
    if why is not None:
        res.conflicts.append(f"{entry_id}: {form!r} left out: {why}")
    return why is not None


def _with(entry: Entry, **changes) -> Entry:
    from dataclasses import replace

    return replace(entry, **changes)
