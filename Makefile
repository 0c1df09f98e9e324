# Privet Manager. `make run` and `make test` are the two commands a newcomer needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SPA := frontend-manager
SPA_SOURCES := $(shell find $(SPA)/src $(SPA)/index.html $(SPA)/public $(SPA)/vite.config.ts $(SPA)/package.json -type f 2>/dev/null)
PYTEST_ARGS ?=
# One pytest-xdist worker per core; `loadgroup` keeps the browser tests on one worker.
PYTEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
PYTEST_XDIST := -n $(PYTEST_WORKERS) --dist loadgroup

.PHONY: run test test-fast lint format fmt spa api-client check-api test-unit-spa test-py chromium poppler zbar promtool audit mutation clean help

help:
	@echo "make run   - install what is missing, build the SPA, migrate, seed demo data, serve"
	@echo "make test  - lint, type-check and run the whole test suite"
	@echo "make test-fast - the unit-level tests only (no database, browser or storage)"
	@echo "make audit - known vulnerabilities in the locked Python packages and the SPA's"
	@echo "make mutation - mutmut over the evidence, OTP, chain and session code (long)"

$(BIN)/.installed: pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

venv: $(BIN)/.installed

$(SPA)/node_modules/.installed: $(SPA)/package.json $(SPA)/package-lock.json
	cd $(SPA) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SPA)/dist/index.html: $(SPA)/node_modules/.installed $(SPA_SOURCES)
	cd $(SPA) && npm run build --silent

spa:
	@if [ -f $(SPA)/package.json ]; then $(MAKE) --no-print-directory $(SPA)/dist/index.html; fi

run: venv spa
	$(BIN)/privet-manager serve --demo

# The SPA's API client is generated from the app's schema and committed.
api-client: venv $(SPA)/node_modules/.installed
	$(BIN)/python -m privet_manager.openapi_dump $(SPA)/openapi.json
	cd $(SPA) && npm run gen:api --silent

check-api: venv $(SPA)/node_modules/.installed
	$(BIN)/python -m privet_manager.openapi_dump $(SPA)/openapi.json.current
	@cmp -s $(SPA)/openapi.json $(SPA)/openapi.json.current || \
		{ rm -f $(SPA)/openapi.json.current; echo "openapi.json is out of date: run 'make api-client'"; exit 1; }
	@rm -f $(SPA)/openapi.json.current
	cd $(SPA) && npm run check:api --silent

lint: venv
	$(BIN)/ruff check server tests bench scripts
	$(BIN)/ruff format --check server tests bench scripts
	$(BIN)/mypy
	@if [ -f $(SPA)/package.json ]; then \
		$(MAKE) --no-print-directory $(SPA)/node_modules/.installed check-api && \
		cd $(SPA) && npm run typecheck --silent && npm run lint --silent; fi

format fmt: venv
	$(BIN)/ruff check --fix server tests bench scripts
	$(BIN)/ruff format server tests bench scripts

chromium:
	@command -v chromium >/dev/null || test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

# pdftoppm renders the contract tests' page images (tests/contracts/test_document.py).
poppler:
	@command -v pdftoppm >/dev/null || { \
		echo "installing Debian's poppler-utils for the contract page images"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null); }

# zbarimg decodes the QR code on the contract pages (tests/public/test_qr.py).
zbar:
	@command -v zbarimg >/dev/null || { \
		echo "installing Debian's zbar-tools for the contract QR code test"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zbar-tools >/dev/null); }

test-unit-spa:
	@if [ -f $(SPA)/package.json ]; then cd $(SPA) && npm run test:unit:ci --silent; fi

# Migration and auth tests also run against the machine's PostgreSQL when it answers.
SYSTEM_PG ?= postgresql://postgres@127.0.0.1:5432/postgres
test-py: venv
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(SYSTEM_PG)', connect_timeout=2).close()" 2>/dev/null; then \
		echo "== migrations and auth on the system PostgreSQL =="; \
		PM_TEST_PG_URL=$(SYSTEM_PG) $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_XDIST) tests/migrations tests/auth tests/ops/test_backup.py; \
	else echo "system PostgreSQL not reachable: skipping the second run"; fi
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_XDIST) $(PYTEST_ARGS) tests

# promtool checks the alert rules and runs their unit tests (tests/ops/test_observability.py).
promtool:
	@command -v promtool >/dev/null || { \
		echo "installing Debian's prometheus for promtool (the alert rules' checks)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null); }

test: venv spa chromium poppler zbar promtool lint test-unit-spa test-py

# The unit-level tests: no database, no browser, no storage server (seconds, not minutes).
test-fast: venv
	$(BIN)/pytest -p no:cacheprovider -q -m "not services and not e2e and not s3" tests

# Known vulnerabilities in what we ship: the Python lock file (pip-audit, in a venv of its own
# so the app's stays exactly the lock) and the SPA's runtime packages. Not part of `make test`:
# both ask the package registries. Runs both, fails if either found something.
AUDIT_VENV := .venv-audit
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && \
		$(AUDIT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip-audit==2.10.1; }
	@status=0; \
	echo "== pip-audit: requirements.lock =="; \
	$(AUDIT_VENV)/bin/pip-audit --requirement requirements.lock --no-deps --disable-pip \
		--progress-spinner off --strict || status=1; \
	echo "== npm audit --omit=dev: $(SPA) =="; \
	(cd $(SPA) && npm audit --omit=dev) || status=1; \
	exit $$status

# Mutation testing (mutmut) of the code where a silent bug costs most, with the tests that
# cover it; report in test-output/mutation/. Long (tens of minutes): not part of `make test`.
# One module: make mutation MODULES=contracts/otp.py (runs add up in one report).
MODULES ?=
mutation: venv
	$(BIN)/python scripts/mutation.py $(MODULES)

clean:
	rm -rf $(SPA)/dist test-output .pytest_cache .mypy_cache .ruff_cache
