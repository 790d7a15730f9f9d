# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= /usr/bin/chromium
REDIS_SERVER ?= /usr/bin/redis-server
NODE ?= node
AXE := .cache/npm/node_modules/axe-core/axe.min.js

.PHONY: run test lint bench clean node lock fuzz

# Exact versions with hashes from the lock files (`make lock` rewrites them from pyproject.toml),
# installed by uv, pinned here; INSTALLER=pip does the same with pip alone, a little slower.
INSTALLER ?= uv
UV_VERSION := 0.13.9
# uv reads no pip.conf: hand it pip's find-links, where this machine keeps the CPU torch wheel.
ifndef FIND_LINKS  # asked of pip once per make, not at every use
FIND_LINKS := $(or $(PIP_FIND_LINKS),$(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null))
endif
ifeq ($(INSTALLER),uv)
INSTALL := $(VENV)/bin/uv pip install -q --python $(PY) $(foreach d,$(FIND_LINKS),--find-links $(d))
else
INSTALL := $(PIP) install
endif

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/bin/uv: | $(VENV)/bin/python
	$(PIP) install uv==$(UV_VERSION)

$(VENV)/.app: requirements.lock pyproject.toml | $(VENV)/bin/python $(if $(filter uv,$(INSTALLER)),$(VENV)/bin/uv)
	$(INSTALL) --require-hashes -r requirements.lock
	$(INSTALL) --no-deps -e .
	@touch $@

# Test tools, and PyTorch as an oracle: always exactly torch==2.13.0 (CPU build).
$(VENV)/.test: $(VENV)/.app requirements-test.lock
	$(INSTALL) --require-hashes -r requirements-test.lock
	@touch $@

# After a change to the dependencies in pyproject.toml: the test lock first, then the app's
# lock within it, so both name the same versions.
lock: | $(VENV)/bin/uv
	$(VENV)/bin/uv pip compile -q pyproject.toml --extra test --extra oracle --generate-hashes \
		--python-version 3.11 $(foreach d,$(FIND_LINKS),--find-links $(d)) --no-emit-find-links \
		-o requirements-test.lock
	$(VENV)/bin/uv pip compile -q pyproject.toml --generate-hashes --python-version 3.11 \
		-c requirements-test.lock -o requirements.lock

$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q chromium

# Redis for the live-session tests (started by a fixture on a free loopback port; nothing else).
$(REDIS_SERVER):
	$(SUDO) apt-get update -q
	$(SUDO) apt-get install -y -q redis-server

# Node runs the front end's unit tests (node --test) and npm fetches axe-core: Debian's if missing.
node:
	@command -v $(NODE) >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q nodejs)
	@command -v npm >/dev/null || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q npm)

$(AXE): | node
	npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4.11.0

run: $(VENV)/.app
	$(VENV)/bin/backstep

# The suite runs on every core (pytest-xdist), a test file to a worker: a browser test file shares
# one page between its tests. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: $(VENV)/.test $(CHROMIUM) $(REDIS_SERVER) $(AXE) node
	$(VENV)/bin/ruff check app tests $(wildcard bench)
	PYTHON=$(PY) $(NODE) --test --test-reporter=spec tests/js/*.test.mjs
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# The long fuzzing run (issue 17: every check, over 10,000 requests); `make test` runs a short one.
FUZZ_EXAMPLES ?= 200
fuzz: $(VENV)/.test
	BACKSTEP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile \
		tests/ops/test_fuzz_schemathesis.py tests/ops/test_fuzz_training.py

lint: $(VENV)/.test
	$(VENV)/bin/ruff check app tests $(wildcard bench)
	$(VENV)/bin/ruff format --check app tests $(wildcard bench)


# Every bench/*_bench.py (load, latency, and any other helper's), then one table of figures.
bench: $(VENV)/.test $(REDIS_SERVER)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis artifacts
