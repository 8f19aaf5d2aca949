"""Settings for `make lint-migrations`: the local settings plus django-migration-linter."""

from config.migration_lint import linter_options

from .local import *

INSTALLED_APPS = [*INSTALLED_APPS, "django_migration_linter"]
MIGRATION_LINTER_OPTIONS = linter_options()
