"""Code in Markdown is never rewritten by any stage."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mtclean.pipeline.cli.app import app
from mtclean.pipeline.document import Document
from mtclean.pipeline.markdown import code_regions, protected_spans
from mtclean.pipeline.runner import Pipeline
from mtclean.pipeline.config import load_config

DOC = """# Kiev notes

Run `echo "done.."` and `git log --oneline` here.. Then more.

```sh
echo "done.."
npm run build -- --watch
curl http://x.org/a..b
```

    indented code ..
    post -war

<div>raw ‘html’»</div>

The post -war era.. Kiev said.
"""


def test_code_regions():
    got = [DOC[s:e] for s, e in code_regions(DOC)]
    assert got == [
        '`echo "done.."`', "`git log --oneline`",
        '```sh\necho "done.."\nnpm run build -- --watch\ncurl http://x.org/a..b\n```\n',
        "    indented code ..\n    post -war\n",
        "<div>raw ‘html’»</div>\n",
    ]


@pytest.mark.parametrize("text", ["no code at all..", "", "a ` lone backtick", "``x`` and ```y```"])
def test_code_regions_edge_cases(text):
    for s, e in code_regions(text):
        assert text[s] in "`~ <\t" and e <= len(text)


def test_pipeline_leaves_code_alone_and_says_so():
    doc = Document(text=DOC, lang="en")
    doc.spans.extend(protected_spans(DOC))
    with Pipeline.from_config(load_config(lang="en"), verify=True) as pipe:
        out = pipe.run(doc)
    for s, e in code_regions(DOC):
        assert DOC[s:e] in out.text
    assert "here. Then" in out.text and "The post-war era. Kyiv said." in out.text
    assert "# Kyiv notes" in out.text
    assert any("inside code left out" in n for r in out.history for n in r.notes)


def test_cli_markdown_file(tmp_path):
    f = tmp_path / "notes.md"
    f.write_text(DOC, encoding="utf-8")
    r = CliRunner().invoke(app, ["cleanup", str(f), "--lang", "en", "-q"], catch_exceptions=False)
    assert r.exit_code == 0
    assert 'echo "done.."\nnpm run build -- --watch' in r.stdout
    assert "The post-war era. Kyiv said." in r.stdout
    # The same text as plain .txt is cleaned everywhere: the protection is Markdown's.
    t = tmp_path / "notes.txt"
    t.write_text(DOC, encoding="utf-8")
    r = CliRunner().invoke(app, ["cleanup", str(t), "--lang", "en", "-q"], catch_exceptions=False)
    assert 'echo "done."\n' in r.stdout
