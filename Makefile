# OHMS: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# Test processes (pytest-xdist): the suite is independent per test, 2 cores here.
TEST_WORKERS ?= 2
# The stamps change whenever pyproject.toml changes, so each install target is a no-op when up to date.
# `make run` installs only what running needs; the dev extra (pytest, ruff) comes with `make test`
# and `make lint`, the browser-test extra (Playwright) with `make e2e`.
SUM       := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP     := $(VENV)/.installed-run-$(SUM)
DEV_STAMP := $(VENV)/.installed-dev-$(SUM)
E2E_STAMP := $(VENV)/.installed-e2e-$(SUM)
PIP       := $(BIN)/python -m pip install -q --disable-pip-version-check

.PHONY: install install-dev install-e2e run serve test e2e lint ci clean messages

install: $(STAMP)
install-dev: $(DEV_STAMP)
install-e2e: $(E2E_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	@rm -f $(VENV)/.installed-run-*
	@touch $@

$(DEV_STAMP): $(STAMP)
	$(PIP) -e ".[dev,ops]"
	@rm -f $(VENV)/.installed-dev-*
	@touch $@

$(E2E_STAMP): $(DEV_STAMP)
	$(PIP) -e ".[dev,ops,e2e]"
	@rm -f $(VENV)/.installed-e2e-*
	@touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ohms_demo
	PORT=$(PORT) scripts/run.sh

# Production mode: gunicorn + Huey consumer(s) on the database/queue/storage from the
# environment (refuses with the list of missing variables). See docs/deployment.md.
serve: install
	PORT=$(PORT) scripts/serve.sh

test: install-dev
	$(BIN)/python -m pytest -m "not e2e" -n $(TEST_WORKERS) $(PYTEST_ARGS)

e2e: install-e2e
	scripts/install-browser.sh
	$(BIN)/python -m pytest -m e2e -p no:randomly $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

messages: install
	for app in ohms_*/; do if [ -d $$app/locale ]; then (cd $$app && ../$(BIN)/python ../manage.py compilemessages -l fr); fi; done

ci:
	bash .ci/run

clean:
	rm -rf var/ test-output/ .pytest_cache .ruff_cache

# Permit-to-work benchmark (docs/performance.md): N permits on DATABASE_URL (else a throw-away
# SQLite file), then every measurement of issue 9. E.g. make bench BENCH_ARGS="--permits 20000 --json ptw.json"
.PHONY: bench loadtest
bench: install
	$(BIN)/python bench/ptw_bench.py $(BENCH_ARGS)

# Load test (issue 13): PostgreSQL + Redis, demo data, `make serve` with 1 then 2 web workers,
# locust headless pinned to one core; LOADTEST_TIME (2m), LOADTEST_USERS (50), LOADTEST_SCALE.
loadtest: install
	PYTHON=$(BIN)/python scripts/loadtest.sh
