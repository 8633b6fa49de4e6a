# OHMS: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# Test processes (pytest-xdist): the suite is independent per test, 2 cores here.
TEST_WORKERS ?= 2
# The stamp changes whenever pyproject.toml changes, so `make install` is a no-op when up to date.
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test e2e lint ci clean messages serve

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,ops,e2e]"
	@rm -f $(VENV)/.installed-*
	@touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ohms_demo
	PORT=$(PORT) scripts/run.sh

# Production mode: gunicorn + Huey consumer(s) on the database/queue/storage from the
# environment (refuses with the list of missing variables). See docs/deployment.md.
serve: install
	PORT=$(PORT) scripts/serve.sh

test: install
	$(BIN)/python -m pytest -m "not e2e" -n $(TEST_WORKERS) $(PYTEST_ARGS)

e2e: install
	scripts/install-browser.sh
	$(BIN)/python -m pytest -m e2e -p no:randomly $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

messages: install
	for app in ohms_*/; do if [ -d $$app/locale ]; then (cd $$app && ../$(BIN)/python ../manage.py compilemessages -l fr); fi; done

ci:
	bash .ci/run

clean:
	rm -rf var/ test-output/ .pytest_cache .ruff_cache

# Permit-to-work benchmark (docs/performance.md): N permits on DATABASE_URL (else a throw-away
# SQLite file), then every measurement of issue 9. E.g. make bench BENCH_ARGS="--permits 20000 --json ptw.json"
.PHONY: bench
bench: install
	$(BIN)/python bench/ptw_bench.py $(BENCH_ARGS)
