# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates its own virtual environment in .venv.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE := seeds/coalition-of-the-willing-el-en.txt
# torch comes first, pinned to the CPU build on this machine's disk: argostranslate
# would otherwise pull a multi-GB CUDA build.
TORCH := torch==2.13.0

.PHONY: demo test venv venv-test clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python
	$(BIN)/pip install -q -e .

venv-test: $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e '.[test,translate,parquet,browser,ray]'
	@# The review page is tested in Debian's chromium (playwright never downloads a browser here).
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "note: chromium not installed; browser tests will be skipped"

demo: venv
	$(BIN)/mtclean cleanup $(SAMPLE) -o out/$(notdir $(SAMPLE)) --report out/report.jsonl
	$(BIN)/mtclean explain out/report.jsonl
	@echo "cleaned text: out/$(notdir $(SAMPLE)); edit log: out/report.jsonl"

test: venv-test
	$(BIN)/python -m pytest -n 2 -q

bench: venv-test
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .hypothesis
