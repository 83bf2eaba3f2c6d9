"""``mtclean models``: list and install translation model packages (offline, from local files).

Wired into the main app with ``app.add_typer(models.app, name="models")``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from mtclean.pipeline import models as model_store
from mtclean.pipeline.cli.common import reporting_errors, sub_app

app = sub_app("models", "Translation model packages (Argos Translate .argosmodel files), installed from local files only.")

_DIR_HELP = "Models directory (default: $MTCLEAN_HOME/models or the user data directory)."


@app.command("list")
def list_models(
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", help=_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (one object per package)."),
) -> None:
    """List installed packages: language pair, package name and version."""
    packages = model_store.installed_packages(models_dir)
    if as_json:
        typer.echo(json.dumps([p.to_json() for p in packages], ensure_ascii=False, indent=2))
        return
    root = model_store.models_dir(models_dir)
    if not packages:
        typer.echo(f"no models installed in {root}")
        typer.echo(f"install one with: {model_store.MODEL_INSTALL}")
        return
    width = max(len(p.pair) for p in packages)
    for p in packages:
        extra = f"  [{p.type}]" if p.type != "translate" else ""
        typer.echo(f"{p.pair:<{width}}  {p.name}  {p.version or '?'}{extra}")


@app.command("install")
def install(
    file: Path = typer.Argument(..., help="A local .argosmodel file.", show_default=False),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", help=_DIR_HELP),
    force: bool = typer.Option(False, "--force", help="Replace an installed package of the same name and pair."),
) -> None:
    """Check FILE and install it; a bad or hostile archive installs nothing."""
    with reporting_errors():
        package = model_store.install_package(file, models_dir, replace=force)
    typer.echo(f"installed {package.pair}  {package.name}  {package.version or '?'}  -> {package.path}")


@app.command("remove")
def remove(
    name: str = typer.Argument(..., help="Package name as shown by `mtclean models list`.", show_default=False),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", help=_DIR_HELP),
) -> None:
    """Remove an installed package."""
    with reporting_errors():
        package = model_store.remove_package(name, models_dir)
    typer.echo(f"removed {package.pair}  {package.name}  {package.version or '?'}")
