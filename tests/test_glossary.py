"""Glossary loading, validation, lint, editing (tomlkit) and the `mtclean glossary` commands."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtclean.pipeline.cli.glossary import app, add_variants
from mtclean.pipeline.glossary import (
    Entry, Glossary, GlossaryError, clear_cache, load_glossaries, parse_glossary, shipped_dir,
)
from mtclean.pipeline.glossary_edit import (
    GlossaryEditError, GlossaryFile, export_csv, export_tbx, lint, read_csv, read_tbx,
)

HERE = Path(__file__).resolve().parent
TEST_GLOSSARIES = HERE / "glossaries"
runner = CliRunner()


@pytest.fixture
def gdir(tmp_path) -> Path:
    d = tmp_path / "glossaries"
    d.mkdir()
    shutil.copy(TEST_GLOSSARIES / "test-names.toml", d / "test-names.toml")
    clear_cache()
    return d


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


# -- loading ---------------------------------------------------------------------------------


def test_loads_entries_and_phrases():
    g = load_glossaries([TEST_GLOSSARIES], shipped=False)
    z = g.get("person.volodymyr-zelensky")
    assert z.canonical_for("el") == "Βολοντίμιρ Ζελένσκι" and z.canonical_for("fr") == "Volodymyr Zelensky"
    assert z.surname_for("en") == "Zelensky" and "Zelenskyy" in z.allowed
    assert z.line == 7 and z.file.endswith("test-names.toml")
    assert "Kiev" in g.names() and "Kyiv" in g.names() and "Κίεβο" in g.names()
    p = g.phrase_for("  Παγωμένα   ρωσικά ", "el", "en")
    assert p is not None and p.translation["en"] == "frozen Russian"
    assert g.phrase_for("παγωμένα ρωσικά", "el", "de") is None
    assert g.phrase_for("παγωμένα ρωσικά", "ru", "en") is None


def _err(text: str) -> GlossaryError:
    with pytest.raises(GlossaryError) as info:
        parse_glossary(text, "bad.toml")
    return info.value


def test_errors_name_file_line_and_entry():
    e = _err('[[entry]]\nid = "person.a"\ncanonical = { en = "A" }\n\n[[entry]]\nid = "person.b"\nvarients = ["x"]\n'
             'canonical = { en = "B" }\n')
    # the line of the key at fault, not of its [[entry]]
    assert e.file == "bad.toml" and e.line == 7 and e.entry == "person.b" and "varients" in str(e)
    assert str(e).startswith("bad.toml:7 [person.b]: unknown key(s) varients")
    e = _err('[[entry]]\nid = "person.a"\nkind = "human"\ncanonical = { en = "A" }\n')
    assert e.line == 3 and "kind" in str(e)
    e = _err('[[entry]]\nid = "person.a"\n')
    assert "no canonical" in str(e)
    e = _err('[[entry]]\nid = "person.a"\ncanonical = { en = 3 }\n')
    assert "canonical must be a table" in str(e)
    e = _err('[[entry]]\nid = "Person A"\ncanonical = "A"\n')
    assert "id may use only" in str(e)
    e = _err('[glossary]\nname = "x"\n\n[[entry]]\nid = "a"\ncanonical = "A\n')
    assert e.line == 6 and "invalid TOML" in str(e)
    e = _err('[[entry]]\nid = "p.a"\ncanonical = "A"\nvariants = "B"\ncase_sensitive = "yes"\n')
    assert "case_sensitive" in str(e)


def test_plain_string_canonical_uses_default_lang():
    _, entries, _ = parse_glossary('[glossary]\ndefault_lang = "el"\n[[entry]]\nid = "p.a"\ncanonical = "Άλφα"\n')
    assert entries[0].canonical == {"el": "Άλφα"}


def test_duplicate_id_in_one_directory(tmp_path):
    (tmp_path / "a.toml").write_text('[[entry]]\nid = "p.x"\ncanonical = "X"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('\n[[entry]]\nid = "p.x"\ncanonical = "Y"\n', encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"b.toml:2 \[p.x\]: id also used at .*a.toml:1"):
        load_glossaries([tmp_path], shipped=False)


def test_precedence_project_over_lower(tmp_path):
    hi, lo = tmp_path / "hi", tmp_path / "lo"
    hi.mkdir()
    lo.mkdir()
    (hi / "p.toml").write_text('[[entry]]\nid = "place.kyiv"\ncanonical = "Kiev"\n', encoding="utf-8")
    (lo / "p.toml").write_text('[[entry]]\nid = "place.kyiv"\ncanonical = "Kyiv"\nvariants = ["Kiev"]\n'
                               '[[entry]]\nid = "place.odesa"\ncanonical = "Odesa"\n', encoding="utf-8")
    g = load_glossaries([hi, lo], shipped=False)
    assert g.get("place.kyiv").canonical["en"] == "Kiev" and g.get("place.odesa") is not None
    assert load_glossaries([lo, hi], shipped=False).get("place.kyiv").canonical["en"] == "Kyiv"


def test_cache_per_mtime(tmp_path):
    f = tmp_path / "g.toml"
    f.write_text('[[entry]]\nid = "p.a"\ncanonical = "A"\n', encoding="utf-8")
    g1 = load_glossaries([tmp_path], shipped=False)
    assert load_glossaries([tmp_path], shipped=False) is g1
    f.write_text('[[entry]]\nid = "p.a"\ncanonical = "AB"\n', encoding="utf-8")
    os.utime(f, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    g2 = load_glossaries([tmp_path], shipped=False)
    assert g2 is not g1 and g2.get("p.a").canonical["en"] == "AB"


def test_missing_directory():
    with pytest.raises(GlossaryError, match="not found"):
        load_glossaries(["/nonexistent/glossaries"], shipped=False)


def test_shipped_glossaries_load_and_lint_clean():
    if not any(shipped_dir().glob("*.toml")):
        pytest.skip("no shipped glossary content yet")
    g = load_glossaries(shipped=True)
    assert g.entries
    problems = [p for p in lint(g) if p.severity == "error"]
    assert not problems, "\n".join(map(str, problems[:20]))


# -- lint ----------------------------------------------------------------------------------------

BAD = """
[glossary]
name = "bad"
default_lang = "xx"

[[entry]]
id = "person.a"
kind = "person"
canonical = { en = "Anna Alpha", gr = "Άννα" }
variants = ["Ana Alpha", "Bob Beta", " Padded", "Anna Alpha", "Alfa"]

[[entry]]
id = "person.b"
kind = "person"
canonical = { en = "Bob Beta" }
variants = ["Ana Alpha", "Cee"]

[[entry]]
id = "org.c"
kind = "organization"
canonical = { en = "CEE" }
variants = ["Anna Alfa"]

[[entry]]
id = "place.d"
kind = "place"
canonical = { en = "Alfa City" }
"""


def test_lint_finds_every_kind_of_problem(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(BAD, encoding="utf-8")
    g = load_glossaries([tmp_path], shipped=False)
    meta, _, _ = parse_glossary(BAD, str(f))
    problems = lint(g, metas=[(str(f), meta)])
    codes = {(p.code, p.entry) for p in problems}
    assert ("variant-claimed-twice", "person.a") in codes  # Ana Alpha in a and b
    assert ("variant-is-canonical", "person.a") in codes  # Bob Beta is b's canonical
    assert ("chain", "person.b") in codes  # b's correction is a's variant
    assert ("padded", "person.a") in codes
    assert ("variant-is-correct", "person.a") in codes  # Anna Alpha is its own canonical
    assert ("unknown-language", "person.a") in codes and ("unknown-language", "") in codes
    assert ("variant-is-canonical", "person.b") in codes and any(
        p.code == "case-collision" for p in problems)  # Cee vs CEE
    assert ("variant-inside-name", "person.a") in codes  # Alfa inside "Alfa City"
    assert ("no-surname", "person.a") in codes
    first = next(p for p in problems if p.entry == "person.a")
    assert first.line == 6 and first.file == str(f)


def test_lint_test_glossary_is_clean():
    g = load_glossaries([TEST_GLOSSARIES], shipped=False)
    errors = [p for p in lint(g) if p.severity == "error"]
    assert not errors, errors


def test_lint_cli_exit_codes(gdir, tmp_path):
    r = cli("lint", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "bad.toml").write_text(BAD, encoding="utf-8")
    r = cli("lint", "-d", str(bad), "--no-shipped")
    assert r.exit_code == 1 and "variant-claimed-twice" in r.output
    (bad / "bad.toml").write_text("[[entry]\n", encoding="utf-8")
    r = cli("lint", "-d", str(bad), "--no-shipped")
    assert r.exit_code == 1 and "invalid TOML" in r.output


# -- editing ---------------------------------------------------------------------------------------


def test_add_variant_keeps_comments_and_order(gdir):
    f = gdir / "test-names.toml"
    before = f.read_text(encoding="utf-8")
    r = cli("add-variant", "person.giorgia-meloni", "Giorgia Melony", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 0, r.output
    after = f.read_text(encoding="utf-8")
    assert after.replace('variants = ["Georgia Meloni", "Giorgia Melony"]', 'variants = ["Georgia Meloni"]') == before
    assert "# ASCII-folded house style is fine" in after
    assert not [p for p in gdir.iterdir() if p.name.endswith(".tmp")]


def test_add_variant_refuses_claimed_spelling(gdir):
    r = cli("add-variant", "person.mike-waltz", "Kiev", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 2 and "already used by place.kyiv" in r.output
    r = cli("add-variant", "person.nobody", "X", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 2 and "no entry" in r.output


def test_add_variants_function_for_apply_review(gdir):
    added = add_variants("person.mike-waltz", ["Mike Walts", "Mike Walts"], glossary_dir=gdir, shipped=False)
    assert added == ["Mike Walts"]
    assert add_variants("person.mike-waltz", ["Mike Walts"], glossary_dir=gdir, shipped=False) == []


def test_add_refuses_duplicates_and_remove(gdir):
    r = cli("add", "Keir Starmer", "-v", "Kier Starmer", "--surname", "Starmer", "-n", "UK PM", "-d", str(gdir),
            "--no-shipped")
    assert r.exit_code == 0, r.output
    people = gdir / "people.toml"
    assert 'canonical = {en = "Keir Starmer"}' in people.read_text(encoding="utf-8")
    assert cli("add", "Keir Starmer", "-d", str(gdir), "--no-shipped").exit_code == 2
    r = cli("add", "Mike Waltz", "--id", "person.other", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 2 and "already used" in r.output
    r = cli("add", "Somebody", "-v", "Kiev", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 2
    assert cli("show", "person.keir-starmer", "-d", str(gdir), "--no-shipped").output.count("Starmer") >= 3
    assert cli("remove", "person.keir-starmer", "-d", str(gdir), "--no-shipped").exit_code == 0
    assert "keir" not in cli("list", "-d", str(gdir), "--no-shipped").output
    assert cli("remove", "person.keir-starmer", "-d", str(gdir), "--no-shipped").exit_code == 2


def test_add_into_existing_file_appends_at_the_end(gdir):
    f = gdir / "test-names.toml"
    before = f.read_text(encoding="utf-8")
    r = cli("add", "Mark Rutte", "-f", str(f), "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 0, r.output
    after = f.read_text(encoding="utf-8")
    block = '[[entry]]\nid = "person.mark-rutte"\nkind = "person"\ncanonical = {en = "Mark Rutte"}\nvariants = []\n\n'
    assert block in after and after.replace(block, "") == before  # nothing else moved
    assert after.index(block) < after.index("[[phrase]]")
    _, entries, _ = parse_glossary(after)
    assert entries[-1].id == "person.mark-rutte"


def test_edit_refuses_invalid_file(tmp_path):
    f = tmp_path / "g.toml"
    f.write_text('[[entry]]\nid = "p.a"\n', encoding="utf-8")
    with pytest.raises(GlossaryError):
        GlossaryFile(f)


def test_edit_refuses_file_it_would_reorder(tmp_path):
    f = tmp_path / "g.toml"
    f.write_text('[[entry]]\nid = "p.a"\ncanonical = "A"\n[[phrase]]\nid = "ph.b"\nsource_lang = "el"\n'
                 'source = "β"\ntranslation = { en = "b" }\n[[entry]]\nid = "p.c"\ncanonical = "C"\n', encoding="utf-8")
    with pytest.raises(GlossaryEditError, match="without moving tables"):
        GlossaryFile(f)


def test_list_and_show(gdir):
    out = cli("list", "-d", str(gdir), "--no-shipped", "--kind", "place").output
    assert "place.kyiv\tplace\tKyiv\t1" in out and "person." not in out
    out = cli("show", "phrase.el.frozen-russian", "-d", str(gdir), "--no-shipped").output
    assert "frozen Russian" in out
    assert cli("show", "nope", "-d", str(gdir), "--no-shipped").exit_code == 2


# -- round trips --------------------------------------------------------------------------------------


def _shape(g: Glossary, *, full: bool) -> list[tuple]:
    if full:
        return sorted((e.id, e.kind, dict(e.canonical), e.variants, e.allowed, dict(e.surname), e.case_sensitive,
                       e.context, e.note, e.house, e.former, e.former_until) for e in g.entries)
    return sorted((e.canonical["en"], e.variants) for e in g.entries)


def test_round_trip_add_lint_export_import_csv(gdir, tmp_path):
    assert cli("add", "Keir Starmer", "-v", "Kier Starmer", "-d", str(gdir), "--no-shipped").exit_code == 0
    assert cli("lint", "-d", str(gdir), "--no-shipped").exit_code == 0
    out = tmp_path / "g.csv"
    assert cli("export", "-o", str(out), "-d", str(gdir), "--no-shipped").exit_code == 0
    assert "Kier Starmer,Keir Starmer" in out.read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    r = cli("import", str(out), "-d", str(fresh), "--no-shipped", "--kind", "person")
    assert r.exit_code == 0, r.output
    clear_cache()
    a = load_glossaries([gdir], shipped=False)
    b = load_glossaries([fresh], shipped=False)
    assert _shape(a, full=False) == _shape(b, full=False)
    # importing again changes nothing
    before = (fresh / "people.toml").read_text(encoding="utf-8")
    r = cli("import", str(out), "-d", str(fresh), "--no-shipped", "--kind", "person")
    assert "0 entries added, 0 extended" in r.output
    assert (fresh / "people.toml").read_text(encoding="utf-8") == before


def test_round_trip_tbx(gdir, tmp_path):
    out = tmp_path / "g.tbx"
    assert cli("export", "--format", "tbx", "-o", str(out), "-d", str(gdir), "--no-shipped").exit_code == 0
    xml = out.read_text(encoding="utf-8")
    assert 'xmlns="urn:iso:std:iso:30042:ed-2"' in xml and "deprecatedTerm-admn-sts" in xml
    fresh = tmp_path / "fresh"
    r = cli("import", str(out), "-d", str(fresh), "-f", str(fresh / "all.toml"), "--no-shipped")
    assert r.exit_code == 0, r.output
    clear_cache()
    assert _shape(load_glossaries([gdir], shipped=False), full=True) == _shape(
        load_glossaries([fresh], shipped=False), full=True)


def test_csv_import_extends_known_entry(gdir, tmp_path):
    src = tmp_path / "deepl.csv"
    src.write_text("source,target\nKyiev,Kyiv\nNew Name,New Name\n", encoding="utf-8")
    r = cli("import", str(src), "-d", str(gdir), "-f", str(gdir / "test-names.toml"), "--no-shipped")
    assert r.exit_code == 0 and "1 entries added, 1 extended" in r.output, r.output
    clear_cache()
    g = load_glossaries([gdir], shipped=False)
    assert "Kyiev" in g.get("place.kyiv").variants and g.get("term.new-name") is not None


def test_read_csv_and_tbx_errors():
    assert read_csv("a;b\nc;d\n") == [("a", "b"), ("c", "d")]
    with pytest.raises(GlossaryEditError):
        read_csv("lonely\n")
    with pytest.raises(GlossaryEditError):
        read_tbx("<tbx><oops")
    with pytest.raises(GlossaryEditError):
        read_tbx("<martif/>")


def test_exports_are_deterministic():
    g = Glossary([Entry("p.a", "person", {"en": "A B"}, ("A C",), note="n")])
    assert export_csv(g) == "A C,A B\n"
    assert export_tbx(g) == export_tbx(g)
    (e,) = read_tbx(export_tbx(g))
    assert (e.id, e.canonical, e.variants, e.note) == ("p.a", {"en": "A B"}, ("A C",), "n")


def test_suggest_reports_near_misses_with_context(gdir, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("French President Emauel Macron spoke.\nMakron left. Smithsonn and Smithson.\n",
                                  encoding="utf-8")
    r = cli("suggest", str(corpus), "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 0, r.output
    assert "1\tEmauel Macron\t-> Emmanuel Macron\tperson.emmanuel-macron" in r.output
    assert "add-variant person.emmanuel-macron 'Emauel Macron'" in r.output
    assert "[Emauel Macron] spoke." in r.output
    assert "inconsistent\tSmithsonn x1 / Smithson x1" in r.output or "inconsistent\tSmithson x1 / Smithsonn x1" in r.output


def test_wired_into_main_cli():
    from mtclean.pipeline.cli import main

    assert main(["glossary", "list", "--no-shipped", "-d", str(TEST_GLOSSARIES)]) == 0


def test_suggest_reads_each_json_lines_record(gdir, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [
        json.dumps({"id": 1, "body": "French President Emauel Macron spoke."}),  # ASCII-escaped JSON too
        "not json",
        json.dumps({"id": 2, "text": "no body field"}),
        json.dumps({"id": 3, "body": "Prime Minister Kiriakos Mitsotakis, \u00abhello\u00bb"}, ensure_ascii=True),
    ]
    (corpus / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = cli("suggest", str(corpus), "--field", "body", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 0, r.output
    assert "1\tEmauel Macron\t-> Emmanuel Macron\tperson.emmanuel-macron" in r.output
    assert "[Emauel Macron] spoke." in r.output  # the record's text, not its JSON
    assert "records.jsonl:line 2: invalid JSON" in r.output and "records.jsonl:line 3: no field 'body'" in r.output


# -- edits never break a file ----------------------------------------------------------------

SECTIONED = """\
[glossary]
name = "people"
default_lang = "en"

# --- A ---
[[entry]]
id = "person.annika-lindqvist"
kind = "person"
canonical = { en = "Annika Lindqvist" }
# a comment inside the entry goes with it
variants = ["Anika Lindqvist"]

# --- B ---
[[entry]]
id = "person.bertil-nordin"
kind = "person"
canonical = { en = "Bertil Nordin" }
variants = ["Bertil Nordine"]
# the end
"""


def test_remove_keeps_the_comments_around_the_entry_and_the_file_editable(tmp_path):
    d = tmp_path / "glossaries"
    d.mkdir()
    f = d / "people.toml"
    f.write_text(SECTIONED, encoding="utf-8")
    assert cli("remove", "person.annika-lindqvist", "-d", str(d), "--no-shipped").exit_code == 0
    text = f.read_text(encoding="utf-8")
    assert "# --- A ---\n\n# --- B ---\n[[entry]]\nid = \"person.bertil-nordin\"" in text
    assert "inside the entry" not in text and text.endswith("# the end\n")
    assert cli("remove", "person.bertil-nordin", "-d", str(d), "--no-shipped").exit_code == 0
    text = f.read_text(encoding="utf-8")
    assert "entry" not in text and text.endswith("# --- A ---\n\n# --- B ---\n# the end\n")
    # the file's last entry gone, the next add works (it failed with "invalid TOML" on `entry = []`)
    r = cli("add", "Carl Dahl", "-v", "Karl Dahl", "-d", str(d), "--no-shipped")
    assert r.exit_code == 0, r.output
    _, entries, _ = parse_glossary(f.read_text(encoding="utf-8"), str(f))
    assert [e.id for e in entries] == ["person.carl-dahl"]
    assert cli("lint", "-d", str(d), "--no-shipped").exit_code == 0


def test_a_file_left_with_entry_equals_empty_list_can_be_added_to(tmp_path):
    f = tmp_path / "people.toml"
    f.write_text('entry = []\n[glossary]\nname = "people"\n', encoding="utf-8")
    gf = GlossaryFile(f)
    gf.add_entry(Entry("person.carl-dahl", "person", {"en": "Carl Dahl"}, ("Karl Dahl",)))
    gf.save()
    _, entries, _ = parse_glossary(f.read_text(encoding="utf-8"), str(f))
    assert [e.id for e in entries] == ["person.carl-dahl"]


@pytest.mark.parametrize("args, says", [
    (["add", "Dana Olsen", "-v", "Dana Olsen"], "(variant-is-correct)"),
    (["add", "Dana Olsen", "-v", "Dana Olsn", "--allowed", "Dana Olsn"], "(variant-is-correct)"),
    (["add-variant", "person.annika-lindqvist", "Annika Lindqvist"], "(variant-is-correct)"),
    (["add-variant", "--allowed", "person.annika-lindqvist", "anika lindqvist"], "(case-collision)"),
])
def test_edits_that_lint_would_reject_are_refused_and_write_nothing(tmp_path, args, says):
    d = tmp_path / "glossaries"
    d.mkdir()
    f = d / "people.toml"
    f.write_text(SECTIONED, encoding="utf-8")
    r = cli(*args, "-d", str(d), "--no-shipped")
    assert r.exit_code == 2 and "not written:" in r.output and says in r.output, r.output
    assert f.read_text(encoding="utf-8") == SECTIONED
    assert cli("lint", "-d", str(d), "--no-shipped").exit_code == 0


def test_a_variant_differing_only_in_case_is_already_there(tmp_path):
    d = tmp_path / "glossaries"
    d.mkdir()
    (d / "people.toml").write_text(SECTIONED, encoding="utf-8")
    r = cli("add-variant", "person.annika-lindqvist", "anika lindqvist", "-d", str(d), "--no-shipped")
    assert r.exit_code == 0 and "already there: anika lindqvist" in r.output
    assert (d / "people.toml").read_text(encoding="utf-8") == SECTIONED


# -- import merges -----------------------------------------------------------------------------


def test_csv_import_merges_with_the_shipped_glossaries(tmp_path):
    d = tmp_path / "glossaries"
    src = tmp_path / "deepl.csv"
    src.write_text("source,target\nKiev,Kyiv\nKyev,Kyiv\nJonh Smiht,John Smith\nZelenski,Annika Lindqvist\n",
                   encoding="utf-8")
    r = cli("import", str(src), "-d", str(d), "--kind", "person")
    assert r.exit_code == 0, r.output  # it aborted on the first entry the shipped glossaries have
    assert "2 entries added" in r.output and "1 copied from other glossaries" in r.output
    assert "conflict: person.annika-lindqvist: 'Zelenski' left out" in r.output
    clear_cache()
    g = load_glossaries([d])
    assert g.get("place.kyiv").file == str((d / "places.toml").resolve())  # the project's copy wins
    assert "Kyev" in g.get("place.kyiv").variants and "Kiev" in g.get("place.kyiv").former  # already rewritten
    assert g.get("person.john-smith").variants == ("Jonh Smiht",)
    assert g.get("person.annika-lindqvist").variants == ()
    assert [p for p in lint(g) if p.severity == "error"] == []
    # the same import again changes nothing
    before = {p.name: p.read_text(encoding="utf-8") for p in d.iterdir()}
    r = cli("import", str(src), "-d", str(d), "--kind", "person")
    assert r.exit_code == 0 and "0 entries added, 0 extended" in r.output, r.output
    assert {p.name: p.read_text(encoding="utf-8") for p in d.iterdir()} == before


def test_tbx_import_puts_each_kind_in_its_file(gdir, tmp_path):
    out = tmp_path / "g.tbx"
    assert cli("export", "--format", "tbx", "-o", str(out), "-d", str(gdir), "--no-shipped").exit_code == 0
    fresh = tmp_path / "fresh"
    r = cli("import", str(out), "-d", str(fresh), "--no-shipped")
    assert r.exit_code == 0, r.output
    clear_cache()
    g = load_glossaries([fresh], shipped=False)
    by_file = {Path(e.file).name for e in g.entries if e.kind == "person"}
    assert by_file == {"people.toml"}  # persons landed in terms.toml
    assert {Path(e.file).name for e in g.entries if e.kind == "place"} == {"places.toml"}
    assert "shipped glossaries" in r.output  # these entries are shipped too: said, since both would be read


def test_import_leaves_out_what_would_contradict_itself(tmp_path):
    d = tmp_path / "glossaries"
    src = tmp_path / "rows.csv"
    src.write_text("Dana Olsn,Dana Olsen\nDana Olsen,Dana Olsn\n", encoding="utf-8")  # each row undoes the other
    r = cli("import", str(src), "-d", str(d), "--kind", "person", "--no-shipped")
    assert r.exit_code == 0, r.output
    assert "1 entries added" in r.output and "conflict: person.dana-olsn: not added" in r.output
    clear_cache()
    g = load_glossaries([d], shipped=False)
    assert [(e.id, e.variants) for e in g.entries] == [("person.dana-olsen", ("Dana Olsn",))]
    assert lint(g) == []


# -- what an editor types --------------------------------------------------------------------------


def test_list_takes_the_plural_of_a_kind_and_show_suggests_ids(gdir):
    singular = cli("list", "--kind", "place", "-d", str(gdir), "--no-shipped").output
    assert "place.kyiv" in singular
    assert cli("list", "--kind", "places", "-d", str(gdir), "--no-shipped").output == singular
    r = cli("list", "--kind", "planets", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 2 and "not one of person, place, organization, term" in r.output
    r = cli("show", "zelensky", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 2 and "did you mean person.volodymyr-zelensky" in r.output
    r = cli("show", "qqqqqqq", "-d", str(gdir), "--no-shipped")
    assert r.exit_code == 2 and "see `mtclean glossary list`" in r.output


TWO_MISTAKES = """\
[glossary]
name = "x"

[[entry]]
id = "person.a"
kind = "person"
canonical = { en = "Anna A" }
varients = ["Ana A"]

[[entry]]
id = "person.b"
kind = "persn"
canonical = { en = "Bo B" }
"""


def test_structural_errors_point_at_the_key_and_lint_lists_them_all(tmp_path):
    d = tmp_path / "g"
    d.mkdir()
    (d / "x.toml").write_text(TWO_MISTAKES, encoding="utf-8")
    with pytest.raises(GlossaryError) as info:
        load_glossaries([d], shipped=False)
    assert info.value.line == 8 and "unknown key(s) varients" in str(info.value)  # the key's line, not [[entry]]'s
    assert "1 more problem(s) in this file" in str(info.value)
    r = cli("lint", "-d", str(d), "--no-shipped")
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if "x.toml" in line]
    assert len(lines) == 2 and "x.toml:8 [person.a]" in lines[0] and "x.toml:12 [person.b]: kind 'persn'" in lines[1]


def test_add_variant_of_a_shipped_entry_copies_it_into_the_project(tmp_path):
    d = tmp_path / "glossaries"
    r = cli("add-variant", "person.volodymyr-zelensky", "Zelenskiyy", "-d", str(d))
    assert r.exit_code == 0 and "added: Zelenskiyy" in r.output, r.output  # it refused: "defined outside the project"
    clear_cache()
    g = load_glossaries([d])
    e = g.get("person.volodymyr-zelensky")
    assert Path(e.file) == (d / "people.toml").resolve() and "Zelenskiyy" in e.variants
    shipped = load_glossaries([]).get("person.volodymyr-zelensky")
    assert set(shipped.variants) < set(e.variants) and "Zelenskiyy" not in shipped.variants  # shipped file untouched
    assert [p for p in lint(g) if p.severity == "error"] == []


def _project(tmp_path: Path, name: str, text: str) -> Path:
    d = tmp_path / "glossaries"
    d.mkdir()
    (d / name).write_text(text, encoding="utf-8")
    return d


def _tbx_round_trip(tmp_path: Path, d: Path, entry_id: str, marker: str) -> Entry:
    """Export *d* as TBX (which must hold *marker*), import it into a fresh directory, give *entry_id* back."""
    out = tmp_path / "g.tbx"
    assert cli("export", "--format", "tbx", "-o", str(out), "-d", str(d), "--no-shipped").exit_code == 0
    assert marker in out.read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    assert cli("import", str(out), "-d", str(fresh), "--no-shipped").exit_code == 0
    clear_cache()
    return load_glossaries([fresh], shipped=False).get(entry_id)


def test_house_forms_survive_editing_and_a_tbx_round_trip(tmp_path):
    d = _project(tmp_path, "people.toml", '''[glossary]
name = "people"

[[entry]]
id = "person.volodymyr-zelensky"
kind = "person"
canonical = { en = "Volodymyr Zelensky" }
variants = ["Zelenski"]
house = ["Zelenskyy"]
''')
    assert cli("add-variant", "person.volodymyr-zelensky", "Zelenskij", "-d", str(d), "--no-shipped").exit_code == 0
    r = cli("add-variant", "person.volodymyr-zelensky", "Zelenskyy", "-d", str(d), "--no-shipped")
    assert r.exit_code == 2 and "variant-is-correct" in r.output  # a house form is a correct spelling
    e = _tbx_round_trip(tmp_path, d, "person.volodymyr-zelensky", 'type="mtclean-house">true<')
    assert e.house == ("Zelenskyy",) and e.variants == ("Zelenski", "Zelenskij") and e.allowed == ()


def test_former_spellings_survive_editing_and_a_tbx_round_trip(tmp_path):
    d = _project(tmp_path, "places.toml", '''[glossary]
name = "places"

[[entry]]
id = "place.odesa"
kind = "place"
canonical = { en = "Odesa" }
variants = ["Odeca"]
former = ["Odessa"]
former_until = 2022
''')
    r = cli("add-variant", "place.odesa", "Odessa", "-d", str(d), "--no-shipped")
    assert r.exit_code == 2 and "former-is-variant" in r.output  # one spelling, one role
    r = cli("show", "place.odesa", "-d", str(d), "--no-shipped")
    assert "former (usual until 2022" in r.output and "Odessa" in r.output
    e = _tbx_round_trip(tmp_path, d, "place.odesa", 'type="mtclean-formerUntil">2022<')
    assert (e.variants, e.former, e.former_until) == (("Odeca",), ("Odessa",), 2022)


@pytest.mark.parametrize("body,problem", [
    ('former = ["Kiev"]', "former spellings need the year"),
    ('former = ["Kiev"]\nformer_until = "2019"', "former spellings need the year"),
    ('former = ["Kiev"]\nformer_until = 1066', "former spellings need the year"),
    ('former_until = 2019', "former_until without former spellings"),
])
def test_former_spellings_need_a_year(tmp_path, body, problem):
    f = tmp_path / "places.toml"
    f.write_text(f'[[entry]]\nid = "place.kyiv"\nkind = "place"\ncanonical = {{ en = "Kyiv" }}\n{body}\n',
                 encoding="utf-8")
    with pytest.raises(GlossaryError, match=problem):
        load_glossaries([f], shipped=False)


def test_a_glossary_with_a_bom_and_crlf_line_ends_loads_and_keeps_them_when_edited(tmp_path):
    text = ('[glossary]\nname = "people"\n\n# kept\n[[entry]]\nid = "person.volodymyr-zelensky"\nkind = "person"\n'
            'canonical = { en = "Volodymyr Zelensky" }\nvariants = ["Zelenski"]\n')
    d = tmp_path / "glossaries"
    d.mkdir()
    f = d / "people.toml"
    f.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))  # as Notepad saves it
    clear_cache()
    assert load_glossaries([d], shipped=False).get("person.volodymyr-zelensky").variants == ("Zelenski",)
    assert cli("lint", "-d", str(d), "--no-shipped").exit_code == 0
    assert cli("add-variant", "person.volodymyr-zelensky", "Zelenskij", "-d", str(d), "--no-shipped").exit_code == 0
    data = f.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf[glossary]\r\n") and data.count(b"\n") == data.count(b"\r\n")
    assert b'variants = ["Zelenski", "Zelenskij"]\r\n' in data and b"# kept\r\n" in data


def test_editors_adding_at_the_same_moment_all_land(tmp_path):
    # Each edit reads the glossary under the directory's lock: none overwrites another's entry.
    import subprocess
    import sys

    mtclean = str(Path(sys.executable).with_name("mtclean"))
    d = tmp_path / "g"
    procs = [subprocess.Popen([mtclean, "glossary", "add", f"Person Number{i}", "-v", f"Persn Number{i}", "-d", str(d),
                               "--no-shipped"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(6)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert all(code == 0 for _, _, code in results), results
    clear_cache()
    g = load_glossaries([d], shipped=False)
    assert sorted(e.id for e in g.entries) == [f"person.person-number{i}" for i in range(6)]
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith((".mtclean-lock", ".mtclean-tmp"))]
