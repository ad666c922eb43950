# Two entry points: `make demo` (the main job) and `make test` (every test). Both set up .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/python scripts/demo.py

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/sandbox_serving.py
