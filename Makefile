# IMS: `make run` serves the app with its worker; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test bench lint format audit clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# Web server and django-q2 worker together; Ctrl-C stops both.
run: export DEBUG ?= 1
run: setup
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	$(MANAGE) collectstatic --noinput -v0
	@echo "IMS on http://$(HOST):$(PORT)/  (API docs: /api/v1/docs/, admin: /admin/)"
	@trap 'kill 0' INT TERM; \
	  $(MANAGE) qcluster & \
	  $(MANAGE) runserver $(HOST):$(PORT) & \
	  wait

# One pytest-xdist worker per core, each with its own test database; tests sharing an outside
# resource (the Vendure peer, the Redis broker) stay on one worker (tests/conftest.py).
PYTEST_WORKERS ?= auto
test: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: setup
	$(BIN)/python -m bench

# One benchmark alone: `make bench-accuracy` runs bench/accuracy.py (`python -m bench accuracy`);
# options go in BENCH_ARGS: `make bench-imports BENCH_ARGS="--plain-rows 5000"`.
bench-%: setup
	$(BIN)/python -m bench $* $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

audit: setup
	$(MANAGE) stock_audit

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis
