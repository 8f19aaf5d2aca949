"""Handing work to the worker by the task's name.

A service that queues a task names it instead of importing its app's ``tasks`` module, which
imports the service. The task is looked up in the Celery app's registry; a web process has not
loaded the apps' tasks modules (the worker does when it starts), so the first publish loads
them, through the same discovery the worker uses (config/celery.py).
"""

from celery import current_app


def task_publish(name: str, *args) -> None:
    """Queue task ``name`` with ``args`` once; raise when the broker cannot take it now."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    current_app.tasks[name].apply_async(args=list(args), retry=False)
