from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from core.search import register_sqlite_functions

        # SQLite's leadcrm_fold (PostgreSQL's comes from core 0004): name search without accents.
        connection_created.connect(register_sqlite_functions, dispatch_uid="core.search.sqlite")
