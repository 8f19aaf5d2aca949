"""Handing work to the worker by the task's name.

A service that queues a task names it instead of importing its app's ``tasks`` module, which
imports the service: the task is looked up in the Celery app's registry, where the worker and
every web process find each app's tasks (config/celery.py discovers them).
"""

from celery import current_app


def task_publish(name: str, *args) -> None:
    """Queue task ``name`` with ``args`` once; raise when the broker cannot take it now."""
    current_app.tasks[name].apply_async(args=list(args), retry=False)
