"""Built-in mtclean stages, one module each. They register through the
``mtclean.stages`` entry-point group declared in pyproject.toml."""
