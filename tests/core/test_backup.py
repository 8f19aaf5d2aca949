"""dbbackup / dbrestore, and the backup that migrate takes in PROD, on both backends."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from core.db.drift import find_drift
from crm.models import Organization


def backups_in(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if not path.name.endswith(".partial"))


def table_names() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


@pytest.fixture
def backup_dir(settings, tmp_path) -> Path:
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


def test_backup_then_restore_brings_back_the_original_data(migrated_db, backup_dir, capsys):
    # Given an organization, and a backup taken while it is called "Acme"
    Organization.objects.create(name="Acme", slug="acme")
    call_command("dbbackup", verbosity=0)
    (backup,) = backups_in(backup_dir)
    assert Path(capsys.readouterr().out.strip()) == backup

    # When the data changes (renamed, a second row, a new table) and the backup is restored
    Organization.objects.filter(slug="acme").update(name="Renamed")
    Organization.objects.create(name="Later", slug="later")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE created_after_backup (id integer)")
    call_command("dbrestore", str(backup), "--noinput", "--skip-backup")

    # Then the original data is back, the later table is gone and the schema matches
    assert list(Organization.objects.values_list("slug", "name")) == [("acme", "Acme")]
    assert "created_after_backup" not in table_names()
    assert find_drift(connection)[0] == []


def test_backup_file_name_says_database_environment_and_label(migrated_db, backup_dir, settings):
    settings.APP_ENVIRONMENT = "PROD"

    call_command("dbbackup", "--label", "pre-deploy", verbosity=0)

    (backup,) = backups_in(backup_dir)
    suffix = ".dump" if connection.vendor == "postgresql" else ".sqlite3"
    assert backup.name.startswith(f"{migrated_db.name}-prod-")
    assert backup.name.endswith(f"-pre-deploy{suffix}")


def test_restore_takes_a_safety_backup_of_the_current_state(migrated_db, backup_dir):
    call_command("dbbackup", verbosity=0)
    (backup,) = backups_in(backup_dir)
    Organization.objects.create(name="Written after", slug="after")

    call_command("dbrestore", str(backup), "--noinput")

    safety = [path for path in backups_in(backup_dir) if "pre-restore" in path.name]
    assert len(safety) == 1
    assert not Organization.objects.exists()


def test_restore_refuses_a_file_that_is_not_a_backup(migrated_db, tmp_path):
    Organization.objects.create(name="Keep", slug="keep")
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")

    with pytest.raises(CommandError, match="not a"):
        call_command("dbrestore", str(bogus), "--noinput", "--skip-backup")

    assert Organization.objects.filter(slug="keep").exists()


def test_restore_of_a_missing_file_changes_nothing(migrated_db, tmp_path):
    Organization.objects.create(name="Keep", slug="keep")

    with pytest.raises(CommandError, match="No backup file"):
        call_command("dbrestore", str(tmp_path / "missing.dump"), "--noinput")

    assert Organization.objects.filter(slug="keep").exists()


def test_restore_asks_before_overwriting_and_stops_unless_told_yes(
    migrated_db, backup_dir, monkeypatch
):
    call_command("dbbackup", verbosity=0)
    (backup,) = backups_in(backup_dir)
    Organization.objects.create(name="Keep", slug="keep")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="cancelled"):
        call_command("dbrestore", str(backup), "--skip-backup")

    assert Organization.objects.filter(slug="keep").exists()


def test_prod_migrate_backs_up_first_and_the_backup_restores_the_old_state(
    migrated_db, backup_dir, settings, capsys
):
    # Given a PROD database with data
    settings.APP_ENVIRONMENT = "PROD"
    Organization.objects.create(name="Acme", slug="acme")

    # When a migration runs (here: rolling the sessions app back)
    call_command("migrate", "sessions", "zero")

    # Then a backup was taken first and the output says where
    (backup,) = backups_in(backup_dir)
    assert "pre-migrate" in backup.name
    assert f"Backup before migrating: {backup}" in capsys.readouterr().out
    assert "django_session" not in table_names()

    # And restoring it brings back the schema, history and data from before
    call_command("dbrestore", str(backup), "--noinput", "--skip-backup")
    assert "django_session" in table_names()
    assert find_drift(connection)[0] == []
    assert Organization.objects.filter(slug="acme").exists()


def test_prod_migrate_with_skip_backup_takes_none(migrated_db, backup_dir, settings, capsys):
    settings.APP_ENVIRONMENT = "PROD"

    call_command("migrate", "sessions", "zero", "--skip-backup")

    assert not backup_dir.exists() or backups_in(backup_dir) == []
    assert "no backup before migrating (--skip-backup)" in capsys.readouterr().out


@pytest.mark.parametrize("environment", ["DEV", "PROD"])
def test_migrate_with_nothing_to_do_takes_no_backup(migrated_db, backup_dir, settings, environment):
    settings.APP_ENVIRONMENT = environment

    call_command("migrate", verbosity=0)

    assert not backup_dir.exists()


def test_dev_migrate_takes_no_backup(migrated_db, backup_dir, settings):
    settings.APP_ENVIRONMENT = "DEV"

    call_command("migrate", "sessions", "zero", verbosity=0)

    assert not backup_dir.exists()


def test_prod_migrate_stops_before_migrating_when_the_backup_fails(
    migrated_db, backup_dir, settings, monkeypatch
):
    from core.db import backup as backup_module

    settings.APP_ENVIRONMENT = "PROD"

    def broken(*args, **kwargs):
        raise backup_module.BackupError("disk full")

    monkeypatch.setattr("core.management.commands.migrate.backup_database", broken)

    with pytest.raises(CommandError, match="nothing was migrated: disk full"):
        call_command("migrate", "sessions", "zero", verbosity=0)

    assert "django_session" in table_names()
