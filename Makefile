# The two commands a new user needs: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# The local portal runs in debug mode on the embedded SQLite database.
DEV_ENV := DJANGO_DEBUG=1
# Logins of the local demo (viewer_74, officer_74, approver_74, ..., national); never a deployment's.
DEMO_PASSWORD ?= ntm-demo

.PHONY: install run setup test test-unit test-e2e test-deploy lint migrations-check messages superuser clean serve worker bench bench-quick load

# The dashboards' chart library (package.json: Chart.js, served as a static file with its
# licence). Without npm the portal runs and the dashboards show their tables without charts.
NPM ?= $(shell command -v npm)
node_modules/.installed: package.json package-lock.json
	@if [ -n "$(NPM)" ]; then \
		$(NPM) ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: the dashboards will show their tables without charts" >&2; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed node_modules/.installed

setup: install  ## migrate, load reference data and the demo provinces (idempotent)
	$(DEV_ENV) $(MANAGE) migrate --no-input
	$(DEV_ENV) $(MANAGE) load_admin_units --structure 2021
	$(DEV_ENV) $(MANAGE) load_admin_units --structure 2025
	$(DEV_ENV) $(MANAGE) load_lineage
	$(DEV_ENV) $(MANAGE) load_criteria
	$(DEV_ENV) $(MANAGE) load_programme_kinds
	$(DEV_ENV) $(MANAGE) seed_demo --users-password $(DEMO_PASSWORD)

run: setup  ## serve the portal on http://127.0.0.1:8000/
	@echo "Admin: http://127.0.0.1:8000/admin/ (create a login with: make superuser)"
	@echo "API:   http://127.0.0.1:8000/api/v1/   docs: http://127.0.0.1:8000/api/docs/"
	$(DEV_ENV) $(MANAGE) runserver 127.0.0.1:8000

# A deployment's processes (README, "Serving a whole country"): production settings, debug off.
# DJANGO_SECRET_KEY is required; DATABASE_URL (PostgreSQL) and REDIS_URL are expected.
# The first server migrates the database; start further servers with `make serve MIGRATE=0`.
PROD_ENV := DJANGO_DEBUG=0
MIGRATE ?= 1
CORES := $(shell nproc 2>/dev/null || echo 2)

serve: install  ## gunicorn on PORT (default 8000), workers from the core count: gunicorn.conf.py
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve: set DJANGO_SECRET_KEY to a long random secret (production settings: debug is off)" >&2; exit 1; }
	@test -n "$$DATABASE_URL" || echo "make serve: DATABASE_URL is not set: serving the embedded SQLite database, fit for one server only" >&2
	@test -n "$$REDIS_URL" || echo "make serve: REDIS_URL is not set: each worker keeps its own cache and rate limits, so one server only" >&2
	$(PROD_ENV) $(MANAGE) check --deploy --fail-level ERROR
	if [ "$(MIGRATE)" = 1 ]; then $(PROD_ENV) $(MANAGE) migrate --no-input; fi
	$(PROD_ENV) $(MANAGE) collectstatic --no-input -v 0
	$(PROD_ENV) exec $(BIN)/gunicorn -c gunicorn.conf.py

# Background jobs (jobs/) on a Celery worker, one process per core unless CELERY_CONCURRENCY says.
worker: install  ## a Celery worker for background jobs; needs CELERY_BROKER_URL
	@test -n "$$CELERY_BROKER_URL" || { echo "make worker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/1); without it jobs run inline and need no worker" >&2; exit 1; }
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make worker: set DJANGO_SECRET_KEY, as for make serve" >&2; exit 1; }
	$(PROD_ENV) exec $(BIN)/celery -A ntm_portal worker --loglevel INFO --concurrency "$${CELERY_CONCURRENCY:-$(CORES)}"

# The first admin, without loading or seeding anything: from DJANGO_SUPERUSER_USERNAME,
# DJANGO_SUPERUSER_PASSWORD (and DJANGO_SUPERUSER_EMAIL) when set, else by asking at a terminal.
superuser: install
	$(DEV_ENV) $(MANAGE) migrate --no-input
	@if [ -n "$$DJANGO_SUPERUSER_USERNAME" ] && [ -n "$$DJANGO_SUPERUSER_PASSWORD" ]; then \
		$(DEV_ENV) $(MANAGE) createsuperuser --no-input; \
	elif [ -t 0 ]; then \
		$(DEV_ENV) $(MANAGE) createsuperuser; \
	else \
		echo "make superuser: set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD (and DJANGO_SUPERUSER_EMAIL), or run it at a terminal" >&2; \
		exit 1; \
	fi

test: install test-unit test-e2e  ## the whole suite (browser tests skip without Chromium, outside CI)

# In parallel, one worker per core (pytest-xdist); each worker has its own test database. Tests
# are dealt out one by one, but those of a module with module fixtures (the demo), marked
# xdist_group, stay on one worker so that the fixtures are built once (--dist loadgroup): by
# module, a long module dealt out last kept the other worker idle.
test-unit: install
	$(BIN)/python -m pytest -m "not e2e and not deploy" -n auto --dist loadgroup

# Browser tests, one worker per core: each worker has its own live server, test database and
# Chromium (live-server tests empty their database after each test). Each test stands alone,
# so they are dealt out one by one (--dist load): by file, one worker idled at the end.
test-e2e: install
	$(BIN)/python -m pytest tests/e2e -m e2e -n auto --dist load

# Two gunicorn servers sharing one PostgreSQL database and one Redis: needs DATABASE_URL (a
# database it may fill) and REDIS_URL (a db it may flush); skipped without them outside CI.
test-deploy: install
	$(BIN)/python -m pytest tests/deploy -m deploy -p no:randomly --create-db

# The benchmark (bench/run.py): builds its data set through the import service in its own
# PostgreSQL database (BENCH_DATABASE_URL, default ntm_bench on 127.0.0.1), times each
# endpoint and bulk operation beside its floor, and writes bench/RESULTS.md.
bench: install  ## every province of the 2021 map (long: the national data set)
	$(BIN)/python bench/run.py

bench-quick: install  ## three provinces, a few minutes: bench/RESULTS-quick.md
	$(BIN)/python bench/run.py --quick

# After a bench: 50 clients for 60 s against gunicorn on the bench database, with Redis
# (BENCH_DATABASE_URL, BENCH_REDIS_URL); writes bench/LOAD.md.
load: install  ## the load test: gunicorn + PostgreSQL + Redis, driven from a second process
	$(BIN)/python bench/load.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

migrations-check: install
	$(DEV_ENV) $(MANAGE) makemigrations --check --dry-run

messages: install  ## update and compile the Vietnamese catalogue, locale/ (needs gettext)
	$(DEV_ENV) $(MANAGE) makemessages -l vi --no-obsolete --ignore=.venv --ignore=tests --ignore=scripts --ignore=node_modules --ignore=bench
	$(DEV_ENV) $(MANAGE) compilemessages -l vi --ignore=.venv

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles test-artifacts
