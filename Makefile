# Two commands do everything on a fresh machine with Python 3.11+:
#   make run   - virtualenv, install, migrate, load content/, serve on http://127.0.0.1:5000
#   make test  - virtualenv, install, lint, format check, the whole test suite
# The benchmarks (not part of make test): make bench (PostgreSQL + Redis), make bench-sqlite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test lint format install-dev migrate content clean bench bench-sqlite bench-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/flask db upgrade

content: migrate
	$(BIN)/flask content sync
	$(BIN)/flask zones import content/zones/cixi-sample.geojson --coord-type gcj02

# The web server and, beside it, a job consumer (stopped with the server).
run: content
	$(BIN)/flask jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Benchmarks (README.md, "Benchmarks"). Never a database named *test*.
BENCH_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/miniapp_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/7
BENCH_SQLITE_URL ?= sqlite:///$(CURDIR)/bench/.data/bench.db
BENCH_SEED ?= 15

$(VENV)/.installed-bench: bench/requirements.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r bench/requirements.txt
	touch $@

bench-tools:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

bench: $(VENV)/.installed-bench bench-tools
	$(BIN)/python -m bench.seed --database-url $(BENCH_PG_URL) --seed $(BENCH_SEED) --reset \
		--timings bench/.data/seed-postgresql.json
	$(BIN)/python -m bench.run --database-url $(BENCH_PG_URL) --redis-url $(BENCH_REDIS_URL) \
		--seed $(BENCH_SEED) --seed-timings bench/.data/seed-postgresql.json $(BENCH_ARGS)

bench-sqlite: $(VENV)/.installed-bench bench-tools
	$(BIN)/python -m bench.seed --database-url $(BENCH_SQLITE_URL) --seed $(BENCH_SEED) \
		--scale 0.1 --reset --timings bench/.data/seed-sqlite.json
	$(BIN)/python -m bench.run --database-url $(BENCH_SQLITE_URL) --seed $(BENCH_SEED) \
		--seed-timings bench/.data/seed-sqlite.json --write-budget 4000 \
		--journey-lines 20000 --journey-connections 2,4,8,16,32,64 $(BENCH_ARGS)
