# One command to run the app, one to run the tests. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test lint lint-migrations install clean

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py ensure_demo_login
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

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
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm .demo-login
