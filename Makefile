# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= /usr/bin/chromium
AXE := .cache/npm/node_modules/axe-core/axe.min.js

.PHONY: run test lint bench clean

$(VENV)/.app: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	@touch $@

# Test tools, and PyTorch as an oracle: always exactly torch==2.13.0 (CPU build).
$(VENV)/.test: $(VENV)/.app pyproject.toml
	$(PIP) install -e '.[test,oracle]'
	@touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q chromium

$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4.11.0

run: $(VENV)/.app
	$(VENV)/bin/backstep

test: $(VENV)/.test $(CHROMIUM) $(AXE)
	$(VENV)/bin/ruff check app tests $(wildcard bench)
	$(PY) -m pytest

lint: $(VENV)/.test
	$(VENV)/bin/ruff check app tests $(wildcard bench)
	$(VENV)/bin/ruff format --check app tests $(wildcard bench)


# Every bench/*_bench.py (load, latency, and any other helper's), then one table of figures.
bench: $(VENV)/.test
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis artifacts
