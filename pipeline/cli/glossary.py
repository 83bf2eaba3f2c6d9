"""`mtclean glossary`: list, show, edit, lint, suggest, import and export glossaries.

Which glossaries: the project directory (``--glossary-dir``, default
``$MTCLEAN_GLOSSARY_DIR`` or ``./glossaries``) over the shipped ones
(``--no-shipped`` leaves those out). Edits go to ``--file`` when given, else to
the project directory file for the entry's kind (``people.toml``,
``places.toml``, ``organizations.toml``, ``terms.toml``), or to the file that
already defines the entry.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer

from mtclean.pipeline.cli.common import reporting_errors, sub_app
from mtclean.pipeline.errors import MtcleanError

app = sub_app("glossary", "Edit and check the name glossaries (comments and order are kept; writes are atomic).")

DirOpt = typer.Option(None, "--glossary-dir", "-d",
                      help="Project glossary directory (default: $MTCLEAN_GLOSSARY_DIR or ./glossaries).")
FileOpt = typer.Option(None, "--file", "-f", help="Glossary file to edit (or to read on top of the directory).")
ShippedOpt = typer.Option(True, "--shipped/--no-shipped", help="Load the glossaries shipped with mtclean too.")


def _dir(glossary_dir: Optional[Path]) -> Path:
    from mtclean.pipeline.glossary import project_dir

    return project_dir(glossary_dir)[0]


EDIT_WAIT = 10.0  # seconds an edit waits for another editor's to land


@contextmanager
def _editing(glossary_dir: Optional[Path], file: Optional[Path]) -> Iterator[None]:
    """One edit of a glossary directory at a time. The edit reads the files under the lock, so
    two editors adding at once both land (the second waits, then sees the first's entry)."""
    from mtclean.pipeline import io

    with io.write_lock(Path(file).resolve().parent if file else _dir(glossary_dir), wait=EDIT_WAIT):
        yield


def _load(glossary_dir: Optional[Path], file: Optional[Path], shipped: bool, *, must_exist: bool = True):
    """The glossaries as cleanup reads them (project directory, then shipped), with *file* on top.

    *must_exist* False (commands that create files): a named directory may not exist yet.
    """
    from mtclean.pipeline.glossary import clear_cache, load_glossaries, project_dirs

    clear_cache()
    sources: list[Path | str] = []
    if file is not None and Path(file).exists():
        sources.append(Path(file))
    if must_exist:
        sources.extend(project_dirs(glossary_dir))
    elif _dir(glossary_dir).is_dir():
        sources.append(_dir(glossary_dir))
    return load_glossaries(sources, shipped=shipped)


def _project_sources(glossary_dir: Optional[Path]) -> list[str]:
    from mtclean.pipeline.glossary import project_dirs

    try:
        return list(project_dirs(glossary_dir))
    except MtcleanError:
        return []


def _closest_ids(glossary, wanted: str) -> str:
    """The ids nearest to a mistyped one, by id and by spelling (``zelensky`` -> person.volodymyr-zelensky)."""
    from rapidfuzz import fuzz, process

    from mtclean.pipeline.glossary import normalize_key

    choices: dict[str, str] = {}
    for e in glossary.entries:
        for form in [e.id, *e.canonical.values(), *e.surname.values(), *e.variants]:
            choices.setdefault(normalize_key(form), e.id)
    for p in glossary.phrases:
        choices.setdefault(normalize_key(p.id), p.id)
    ids: list[str] = []
    for _form, score, _ in process.extract(normalize_key(wanted), list(choices), scorer=fuzz.WRatio, limit=20):
        if score >= 80 and choices[_form] not in ids:
            ids.append(choices[_form])
    return ("did you mean " + ", ".join(ids[:5]) + "?") if ids else "see `mtclean glossary list`"


def _target_for(entry_id: str, glossary, glossary_dir: Optional[Path], file: Optional[Path]) -> Path:
    from mtclean.pipeline.glossary_edit import GlossaryEditError, entry_file

    if file is not None:
        return Path(file)
    found = entry_file(_dir(glossary_dir), entry_id)
    if found is not None:
        return found
    e = glossary.get(entry_id)
    if e is not None:
        raise GlossaryEditError(f"{entry_id} is defined in {e.file}, outside the project glossary directory",
                                hint="pass --file to edit that file, or add an entry with the same id to your project")
    raise GlossaryEditError(f"no entry with id {entry_id!r}", hint="see `mtclean glossary list`")


@app.command("list")
def list_(
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="Only entries of this kind."),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """List entries: id, kind, canonical spelling, number of variants, file."""
    from mtclean.pipeline.glossary import kind_name

    with reporting_errors():
        kind = kind_name(kind) if kind else None
        g = _load(glossary_dir, file, shipped)
        for e in g.entries:
            if kind and e.kind != kind:
                continue
            typer.echo(f"{e.id}\t{e.kind}\t{e.canonical_for('en')}\t{len(e.variants)}\t{Path(e.file).name}:{e.line}")


@app.command()
def show(
    entry_id: str = typer.Argument(..., metavar="ID"),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """Show one entry (or phrase) with every field and where it is defined."""
    with reporting_errors():
        g = _load(glossary_dir, file, shipped)
        e = g.get(entry_id)
        if e is None:
            p = next((p for p in g.phrases if p.id == entry_id), None)
            if p is None:
                raise MtcleanError(f"no entry with id {entry_id!r}", hint=_closest_ids(g, entry_id))
            typer.echo(f"id: {p.id}\nfile: {p.file}:{p.line}\nsource ({p.source_lang}): {p.source}")
            for lang, t in p.translation.items():
                typer.echo(f"translation ({lang}): {t}")
            if p.note:
                typer.echo(f"note: {p.note}")
            return
        typer.echo(f"id: {e.id}\nkind: {e.kind}\nfile: {e.file}:{e.line}")
        for lang, c in e.canonical.items():
            typer.echo(f"canonical ({lang}): {c}")
        for lang, s in e.surname.items():
            typer.echo(f"surname ({lang}): {s}")
        typer.echo("variants: " + ", ".join(e.variants))
        if e.allowed:
            typer.echo("allowed: " + ", ".join(e.allowed))
        if e.house:
            typer.echo("house (rewritten under the house style): " + ", ".join(e.house))
        if e.former:
            typer.echo(f"former (usual until {e.former_until}; kept with names.text_year <= {e.former_until}): "
                       + ", ".join(e.former))
        if e.context:
            typer.echo("context: " + ", ".join(e.context))
        if e.case_sensitive:
            typer.echo("case_sensitive: true")
        if e.note:
            typer.echo(f"note: {e.note}")


@app.command()
def add(
    canonical: str = typer.Argument(..., help="The house spelling, e.g. \"Volodymyr Zelensky\"."),
    variant: List[str] = typer.Option([], "--variant", "-v", help="A spelling to replace (repeat for more)."),
    kind: str = typer.Option("person", "--kind", "-k", help="person, place, organization or term."),
    entry_id: Optional[str] = typer.Option(None, "--id", help="Entry id (default: KIND.canonical-slug)."),
    note: str = typer.Option("", "--note", "-n", help="Why this spelling (source, house-style choice)."),
    surname: Optional[str] = typer.Option(None, "--surname", help="The surname alone, for one-word variants."),
    allowed: List[str] = typer.Option([], "--allowed", help="A form never to replace (repeat for more)."),
    lang: str = typer.Option("en", "--lang", help="Language of the canonical spelling."),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """Add an entry; refuses an id or spelling another entry already has."""
    from mtclean.pipeline.glossary import Entry, kind_name
    from mtclean.pipeline.glossary_edit import FILE_FOR_KIND, GlossaryEditError, GlossaryFile, check_new_forms, make_id

    with reporting_errors(), _editing(glossary_dir, file):
        kind = kind_name(kind)
        g = _load(glossary_dir, file, shipped, must_exist=False)
        eid = entry_id or make_id(kind, canonical)
        if g.get(eid) is not None:
            raise GlossaryEditError(f"id {eid!r} already exists ({g.get(eid).file})", hint="use add-variant, or --id")
        check_new_forms(g, [canonical, *variant], own_id=None)
        entry = Entry(eid, kind, {lang: canonical}, tuple(variant), tuple(allowed),
                      {lang: surname} if surname else {}, note=note)
        path = Path(file) if file else _dir(glossary_dir) / FILE_FOR_KIND[kind]
        gf = GlossaryFile(path)
        gf.add_entry(entry)
        _say_warnings(gf.save(g))
        typer.echo(f"added {eid} to {path}")


@app.command()
def remove(
    entry_id: str = typer.Argument(..., metavar="ID"),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """Remove an entry from the file that defines it."""
    from mtclean.pipeline.glossary_edit import GlossaryFile

    with reporting_errors(), _editing(glossary_dir, file):
        g = _load(glossary_dir, file, shipped)
        path = _target_for(entry_id, g, glossary_dir, file)
        gf = GlossaryFile(path)
        gf.remove_entry(entry_id)
        gf.save(g)
        typer.echo(f"removed {entry_id} from {path}")


@app.command("add-variant")
def add_variant(
    entry_id: str = typer.Argument(..., metavar="ID"),
    variants: List[str] = typer.Argument(..., metavar="VARIANT...", help="Spellings to replace by the entry's canonical."),
    allowed: bool = typer.Option(False, "--allowed", help="Add them as allowed forms (never replaced) instead."),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """Add variants to an entry; refuses spellings another entry already uses."""
    with reporting_errors():
        added = add_variants(entry_id, variants, allowed=allowed, glossary_dir=glossary_dir, file=file, shipped=shipped)
        for v in variants:
            typer.echo(f"{'added' if v in added else 'already there'}: {v}")


def add_variants(entry_id: str, variants: List[str], *, allowed: bool = False, glossary_dir: Optional[Path] = None,
                 file: Optional[Path] = None, shipped: bool = True) -> list[str]:
    """The add-variant command as a function (``mtclean apply-review`` reuses it). Returns the forms added."""
    from mtclean.pipeline.glossary_edit import check_new_forms

    with _editing(glossary_dir, file):
        g = _load(glossary_dir, file, shipped, must_exist=False)  # a shipped entry's copy may start the directory
        if not allowed:
            check_new_forms(g, variants, own_id=entry_id)
        gf = _file_to_extend(entry_id, g, glossary_dir, file)
        added = [v for v in variants if gf.add_variant(entry_id, v, key="allowed" if allowed else "variants")]
        if added:
            _say_warnings(gf.save(g))
    return added


def _file_to_extend(entry_id: str, glossary, glossary_dir: Optional[Path], file: Optional[Path]):
    """The project file to add an entry's forms in. A shipped entry is copied into the project's file
    for its kind first, with the same id: the project's copy wins, the shipped file stays as shipped."""
    from dataclasses import replace

    from mtclean.pipeline.glossary import shipped_dir
    from mtclean.pipeline.glossary_edit import FILE_FOR_KIND, GlossaryFile, entry_file

    e = glossary.get(entry_id)
    if file is None and e is not None and Path(e.file).resolve().is_relative_to(shipped_dir()) \
            and entry_file(_dir(glossary_dir), entry_id) is None:
        gf = GlossaryFile(_dir(glossary_dir) / FILE_FOR_KIND[e.kind])
        note = (e.note + " " if e.note else "") + f"(Copied from the shipped {Path(e.file).name} to add spellings.)"
        gf.add_entry(replace(e, note=note))
        return gf
    return GlossaryFile(_target_for(entry_id, glossary, glossary_dir, file))


def _say_warnings(problems) -> None:
    for p in problems:
        typer.echo(f"mtclean: warning: {p}", err=True)


@app.command("lint")
def lint_cmd(
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too."),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """Check the glossaries; exit 1 when a problem is found (for CI)."""
    from mtclean.pipeline.glossary import GlossaryError, file_problems, parse_glossary, read_source, source_files
    from mtclean.pipeline.glossary_edit import lint

    try:
        g = _load(glossary_dir, file, shipped)
    except GlossaryError as exc:
        # A file that does not load: every problem of every file, not only the first one met.
        sources = ([Path(file)] if file is not None and Path(file).exists() else []) + [
            Path(d) for d in _project_sources(glossary_dir)]
        shown = 0
        for f in source_files(sources, shipped=shipped):
            for problem in file_problems(f):
                typer.echo(f"{problem}")
                shown += 1
        if not shown:
            typer.echo(f"{exc}")
        raise typer.Exit(1) from None
    metas = []
    for f in g.files:
        meta, _, _ = parse_glossary(read_source(f), f)
        metas.append((f, meta))
    problems = lint(g, metas=metas)
    for p in problems:
        typer.echo(str(p))
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    typer.echo(f"{len(g.entries)} entries, {len(g.phrases)} phrases in {len(g.files)} files: "
               f"{errors} errors, {warnings} warnings", err=True)
    if errors or (strict and warnings):
        raise typer.Exit(1)


@app.command()
def suggest(
    corpus: List[Path] = typer.Argument(..., help="Text or JSON Lines files, or directories (searched for "
                                                   "*.txt, *.md, *.jsonl, *.ndjson)."),
    lang: str = typer.Option("en", "--lang", help="Language of the corpus."),
    field: str = typer.Option("text", "--field", help="JSON Lines: the field holding each record's text."),
    min_count: int = typer.Option(1, "--min-count", help="Only spellings seen at least this often."),
    examples: int = typer.Option(2, "--examples", help="Example contexts to show per spelling."),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """Find near-misses of glossary names and inconsistent spellings in a corpus, with counts and contexts."""
    from mtclean.stages.names import matcher_for, near_misses, spelling_groups

    with reporting_errors():
        g = _load(glossary_dir, file, shipped)
        m = matcher_for(g.profiled())  # as cleanup matches it by default
        near: dict[tuple[str, str, str], list] = defaultdict(list)
        unknown: dict[str, Counter] = defaultdict(Counter)
        unknown_ex: dict[str, list[str]] = defaultdict(list)
        for para in _paragraphs(corpus, field):
            for fix in near_misses(para, m, lang=lang):
                found = para[fix.span[0]:fix.span[1]]
                fixed = found
                for tk, new in sorted(fix.tokens, key=lambda x: -x[0].start):
                    a, b = tk.start - fix.span[0], tk.end - fix.span[0]
                    fixed = fixed[:a] + new + fixed[b:]
                near[(m.entries[fix.entry].id, found, fixed)].append(_context(para, *fix.span))
            for sk, counts in spelling_groups(para, m, lang).items():
                unknown[sk].update(counts)
                for w in counts:
                    if len(unknown_ex[sk]) < 2 * examples and not any(f"[{w}]" in x for x in unknown_ex[sk]):
                        hit = re.search(rf"(?<!\w){re.escape(w)}(?!\w)", para)
                        if hit:
                            unknown_ex[sk].append(_context(para, *hit.span()))
        if not near and not any(len(c) > 1 for c in unknown.values()):
            typer.echo("no near-misses or inconsistent spellings found")
        for (eid, found, fixed), ctxs in sorted(near.items(), key=lambda kv: -len(kv[1])):
            if len(ctxs) < min_count:
                continue
            typer.echo(f"{len(ctxs)}\t{found}\t-> {fixed}\t{eid}")
            for c in ctxs[:examples]:
                typer.echo(f"\t\t{c}")
            typer.echo(f"\t\taccept: mtclean glossary add-variant {eid} {_quote(found)}")
        for sk, counts in sorted(unknown.items(), key=lambda kv: -sum(kv[1].values())):
            if len(counts) < 2 or sum(counts.values()) < min_count:
                continue
            typer.echo("inconsistent\t" + " / ".join(f"{w} x{n}" for w, n in counts.most_common()))
            for c in unknown_ex[sk][:2 * examples]:
                typer.echo(f"\t\t{c}")


def _context(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width):start].replace("\t", " ")
    right = text[end:end + width].replace("\t", " ")
    return f"…{left}[{text[start:end]}]{right}…"


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


# What `glossary suggest` reads in a directory (searched as `cleanup` and `detect` search theirs).
_CORPUS_GLOBS = ("*.txt", "*.md", "*.jsonl", "*.ndjson")


def _paragraphs(paths: List[Path], field: str) -> Iterator[str]:
    """The non-blank lines of the texts in *paths* (files, or directories searched for _CORPUS_GLOBS;
    each record's *field* for JSON Lines); a record without one is reported on standard error and skipped."""
    from mtclean.pipeline import io

    for path, _base in io.expand_inputs([str(p) for p in paths], _CORPUS_GLOBS):
        unreadable = []
        for record in io.iter_texts(path, path, field=field, errors="replace"):
            if record.text is None:
                unreadable.append(record)
                continue
            yield from (para for para in record.text.split("\n") if para.strip())
        for line in io.problem_lines(unreadable):
            typer.echo(f"mtclean: warning: {line}; skipped", err=True)


@app.command("import")
def import_(
    source: Path = typer.Argument(..., help="A CSV (variant,canonical) or TBX file."),
    fmt: str = typer.Option("auto", "--format", help="csv, tbx or auto (by suffix)."),
    kind: str = typer.Option("term", "--kind", "-k", help="Kind of new entries from CSV (TBX carries its own)."),
    lang: str = typer.Option("en", "--lang", help="Language of the CSV canonical spellings."),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """Import CSV or TBX v3, merged into the glossaries: new entries added to the file of their
    kind, known ones get the new variants, conflicting spellings are left out and listed."""
    from mtclean.pipeline.glossary import kind_name, shipped_dir
    from mtclean.pipeline.glossary_edit import FILE_FOR_KIND, entries_from_csv, merge_entries, read_csv, read_tbx

    with reporting_errors(), ExitStack() as stack:
        fmt = _format(fmt, source)
        kind = kind_name(kind)
        try:
            text = Path(source).read_text(encoding="utf-8-sig")  # Excel writes CSV with a BOM
        except (OSError, UnicodeDecodeError) as exc:
            raise MtcleanError(f"{source}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
        entries = read_tbx(text, default_kind=kind) if fmt == "tbx" else entries_from_csv(read_csv(text), kind=kind,
                                                                                           lang=lang)
        stack.enter_context(_editing(glossary_dir, file))  # held until the import is written
        g = _load(glossary_dir, file, shipped, must_exist=False)
        project = _dir(glossary_dir).resolve()
        target = Path(file).resolve() if file else None

        def file_for(entry_kind: str) -> Path:
            return Path(file) if file else _dir(glossary_dir) / FILE_FOR_KIND.get(entry_kind, "terms.toml")

        def editable(path: Path) -> bool:  # the project's own files (or --file), never the shipped ones
            path = path.resolve()
            return path == target if target else (path.is_relative_to(project) and
                                                  not path.is_relative_to(shipped_dir()))

        res = merge_entries(g, entries, file_for, editable)
        for gf in res.files.values():  # all checked before any is written: an import lands whole or not at all
            gf.check(g)
        for path, gf in res.files.items():
            _say_warnings(gf.save(g))
        for line in res.conflicts:
            typer.echo(f"mtclean: conflict: {line}", err=True)
        if not shipped and res.added:
            _say_shipped_twins(res.added, entries)
        where = ", ".join(str(p) for p in res.files) or "no file changed"
        typer.echo(f"{where}: {res.summary()}")


@app.command()
def export(
    fmt: str = typer.Option("csv", "--format", help="csv (variant,canonical) or tbx (TBX v3, TBX-Basic)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default: stdout)."),
    lang: str = typer.Option("en", "--lang", help="Language of the canonical spellings written."),
    glossary_dir: Optional[Path] = DirOpt, file: Optional[Path] = FileOpt, shipped: bool = ShippedOpt,
) -> None:
    """Export entries as CSV or TBX v3."""
    from mtclean.pipeline.glossary_edit import export_csv, export_tbx, write_atomic

    with reporting_errors():
        fmt = _format(fmt, output)
        g = _load(glossary_dir, file, shipped)
        text = export_tbx(g, lang=lang) if fmt == "tbx" else export_csv(g, lang=lang)
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_atomic(Path(output), text)


def _say_shipped_twins(added: list[str], entries) -> None:
    """With --no-shipped, entries the shipped glossaries also have (by id or canonical spelling)
    are imported as new: say so, since cleanup reads the shipped glossaries unless told not to."""
    from mtclean.pipeline.glossary import load_glossaries, normalize_key

    shipped = load_glossaries((), shipped=True)
    canonicals = {normalize_key(c) for e in shipped.entries for c in e.canonical.values()}
    twins = [e.id for e in entries if e.id in added and (shipped.get(e.id) is not None or any(
        normalize_key(c) in canonicals for c in e.canonical.values()))]
    if twins:
        typer.echo(f"mtclean: warning: {len(twins)} imported entr{'y' if len(twins) == 1 else 'ies'} also in the "
                   f"shipped glossaries ({', '.join(twins[:5])}{', ...' if len(twins) > 5 else ''}); cleanup reads "
                   "both unless names.shipped_glossaries = false: import without --no-shipped to merge them", err=True)


def _format(fmt: str, path: Optional[Path]) -> str:
    fmt = fmt.lower()
    if fmt == "auto":
        fmt = "tbx" if path is not None and Path(path).suffix.lower() in (".tbx", ".xml") else "csv"
    if fmt not in ("csv", "tbx"):
        raise MtcleanError(f"unknown format {fmt!r}", hint="csv or tbx")
    return fmt
