# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= /usr/bin/chromium
NODE ?= node
AXE := .cache/npm/node_modules/axe-core/axe.min.js

.PHONY: run test lint bench clean node

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

# Node runs the front end's unit tests (node --test) and npm fetches axe-core: Debian's if missing.
node:
	@command -v $(NODE) >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q nodejs)
	@command -v npm >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q npm)

$(AXE): | node
	npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4.11.0

run: $(VENV)/.app
	$(VENV)/bin/backstep

test: $(VENV)/.test $(CHROMIUM) $(AXE) node
	$(VENV)/bin/ruff check app tests $(wildcard bench)
	PYTHON=$(PY) $(NODE) --test --test-reporter=spec tests/js/*.test.mjs
	$(PY) -m pytest

lint: $(VENV)/.test
	$(VENV)/bin/ruff check app tests $(wildcard bench)
	$(VENV)/bin/ruff format --check app tests $(wildcard bench)


# Every bench/*_bench.py (load, latency, and any other helper's), then one table of figures.
bench: $(VENV)/.test
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis artifacts
