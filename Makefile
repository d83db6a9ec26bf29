# PrefabSkills: `make run` serves the app with demo data; `make test` runs the whole suite (SQLite, then PostgreSQL).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PREFABSKILLS_TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
APT_RUN := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
APT_TEST := chromium
PYTEST_ARGS ?=

.PHONY: run test deps test-deps venv translations db lint test-sqlite test-postgres bench lighthouse serve scheduler clean

run: deps venv translations db
	@echo "Demo logins are listed in README.md (password Demo1234). Serving on http://127.0.0.1:5000"
	@trap 'kill 0' EXIT; $(BIN)/flask --app app jobs run & $(BIN)/flask --app app run --host 127.0.0.1 --port 5000

test: deps test-deps venv translations lint test-sqlite test-postgres

# Debian packages: the CJK font and HarfBuzz's subset library for WeasyPrint; installed only when missing.
deps:
	@missing=$$(for p in $(APT_RUN); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

test-deps:
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when pyproject.toml changes.
$(VENV)/.stamp-deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

venv: $(VENV)/.stamp-deps

translations: venv
	@$(BIN)/pybabel compile -q -d core/translations 2>/dev/null || $(BIN)/pybabel compile -d core/translations >/dev/null

db: venv
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app content sync
	$(BIN)/flask --app app demo seed

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test-sqlite: venv translations
	@echo "== test suite on SQLite =="
	PREFABSKILLS_TEST_BACKEND=sqlite $(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

test-postgres: venv translations
	@if ! $(BIN)/python tools/pg_ready.py; then \
	  if [ "$$CI" = "true" ]; then echo "PostgreSQL pass is required under CI=true" >&2; exit 1; fi; \
	  echo ""; echo "!!!!!! PostgreSQL unreachable: the PostgreSQL pass is SKIPPED !!!!!!"; echo ""; exit 0; fi; \
	echo "== test suite on PostgreSQL =="; \
	PREFABSKILLS_TEST_BACKEND=postgres $(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

bench: venv translations
	$(BIN)/python -m bench.run_all

# Lighthouse (mobile) on the lesson, exam and verification pages: the pinned npm package is installed first
# (Debian's nodejs and npm when npm is missing), then everything runs offline on loopback.
lighthouse: test-deps venv translations
	@command -v npm >/dev/null || { echo "installing Debian packages: nodejs npm; then npm 10 (the lock file needs it)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm && \
	  $(SUDO) npm install -g --no-audit --no-fund --loglevel=error npm@10; }
	cd bench/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m bench.lighthouse

clean:
	rm -rf $(VENV) instance .pytest_cache
