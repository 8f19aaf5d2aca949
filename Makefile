# One command to run the app, one to run the tests. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve worker scheduler test lint lint-migrations install clean

# The site, a worker and the scheduler together (config/run_dev.py): broker in .celery/,
# emails written to sent-mail/ unless CELERY_BROKER_URL / EMAIL_URL say otherwise. Ctrl-C stops all.
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py ensure_demo_login --address $(HOST):$(PORT)
	exec $(BIN)/python -m config.run_dev $(HOST):$(PORT)

# A Celery worker (run as many as you like, on any host). Needs the same environment as serve.
worker: $(VENV)/.installed
	exec $(BIN)/celery -A config worker --loglevel=INFO --concurrency=$${WORKER_CONCURRENCY:-2}

# The one scheduler (celery beat): run exactly one in the whole deployment.
scheduler: $(VENV)/.installed
	exec $(BIN)/celery -A config beat --loglevel=INFO --schedule=$${BEAT_SCHEDULE_FILE:-.celery/beat-schedule}

# Production: static files, migrations over DIRECT_URL (core's migrate command), then gunicorn
# with config/gunicorn.py and production settings. Needs the production environment (README).
serve: export DJANGO_SETTINGS_MODULE = config.settings.production
serve: $(VENV)/.installed
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py migrate --noinput
	exec $(BIN)/gunicorn -c config/gunicorn.py

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# Lints the PostgreSQL SQL of every migration; reviewed exceptions live in config/migration_lint.py.
lint-migrations: $(VENV)/.installed
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "lint-migrations needs DATABASE_URL=postgres://... (it lints the PostgreSQL SQL)" >&2; exit 2;; esac
	DJANGO_SETTINGS_MODULE=config.settings.lint $(BIN)/python manage.py lintmigrations

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm .demo-login .celery sent-mail
