import subprocess
import sys


def test_import_never_adds_bare_pipeline_or_stages():
    code = (
        "import sys, mtclean.pipeline, mtclean.stages, mtclean.stages.encoding, mtclean.pipeline.cli.app;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pipeline', 'stages', 'glossaries', 'seeds')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert r.returncode == 0, r.stdout + r.stderr


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys; from mtclean.pipeline.cli import main;"
        "import contextlib, io;"
        "f = io.StringIO();\n"
        "with contextlib.redirect_stdout(f): main(['--help'])\n"
        "heavy = [m for m in ('ftfy', 'langdetect', 'argostranslate', 'torch', 'ray', 'pyarrow') if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert r.returncode == 0, r.stdout + r.stderr


def test_seed_sample_is_installed_as_package_data():
    from importlib.resources import files

    names = [p.name for p in files("mtclean.seeds").iterdir()]
    assert "coalition-of-the-willing-el-en.txt" in names
