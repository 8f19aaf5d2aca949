"""Worker tasks of core: the morning digests (scheduled in config/celery.py)."""

from celery import shared_task

from workspace.digest import morning_digests_send


@shared_task(name="workspace.send_morning_digests")
def send_morning_digests() -> int:
    """Send the morning digests whose time has come; return how many days were claimed."""
    return morning_digests_send()
