# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates its own virtual environment in .venv.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A second, small environment with the base install only (no extras): what most users
# get. The CLI's error paths are tested there too, so an import that only an extra
# brings in cannot hide behind the test environment.
BASE_VENV ?= .venv-base
BASE_BIN := $(BASE_VENV)/bin
# setuptools announces every editable install with a multi-line notice; nothing to act on.
PIP_ENV := PYTHONWARNINGS="ignore:Editable installation"
SAMPLE := seeds/coalition-of-the-willing-el-en.txt
# torch comes first, pinned to the CPU build on this machine's disk: argostranslate
# would otherwise pull a multi-GB CUDA build.
TORCH := torch==2.13.0

.PHONY: demo test test-base venv venv-test venv-base clean bench fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(PIP_ENV) $(BIN)/pip install -q -e .

$(BASE_BIN)/python:
	$(PYTHON) -m venv $(BASE_VENV)
	$(BASE_BIN)/pip install -q --upgrade pip

venv-base: $(BASE_BIN)/python
	$(PIP_ENV) $(BASE_BIN)/pip install -q -e . pytest

venv-test: $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(PIP_ENV) $(BIN)/pip install -q -e '.[test,translate,parquet,browser,ray,bench]'
	@# The review page is tested in Debian's chromium (playwright never downloads a browser here).
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "note: chromium not installed; browser tests will be skipped"

demo: venv
	$(BIN)/mtclean cleanup $(SAMPLE) -o out/$(notdir $(SAMPLE)) --report out/report.jsonl
	$(BIN)/mtclean explain out/report.jsonl
	@echo "cleaned text: out/$(notdir $(SAMPLE)); edit log: out/report.jsonl"

# The base-install run is short and comes first; the whole suite's summary is the last line.
test: test-base venv-test
	$(BIN)/python -m pytest -n 2 -q

test-base: venv-base
	MTCLEAN_BASE_INSTALL=1 $(BASE_BIN)/python -m pytest -q -p no:cacheprovider tests/test_cli_errors.py

# The fuzz tests of `make test` run few examples with a fixed seed; this runs many random ones.
fuzz: venv-test
	MTCLEAN_FUZZ_EXAMPLES=$${MTCLEAN_FUZZ_EXAMPLES:-2000} $(BIN)/python -m pytest -q -n 2 \
		tests/test_fuzz_cli.py tests/test_nothing_lost.py

bench: venv-test
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(BASE_VENV) out build *.egg-info .pytest_cache .hypothesis
