"""Publishing a task by name from a process that never imported the apps' tasks modules (a web
process): it is found and queued, not refused as unknown."""

import json

from tests.config.test_settings import run_python

PUBLISH_IN_A_FRESH_PROCESS = """
import json, django
django.setup()
from celery import current_app
from kombu import Connection

before = "outbox.send_email" in current_app.tasks
from core.background import task_publish
task_publish("outbox.send_email", 42)
with Connection("memory://") as conn:
    message = conn.SimpleQueue("celery").get(timeout=1)
print(json.dumps([before, message.headers["task"], message.headers["argsrepr"]]))
"""


def test_a_web_process_publishes_a_task_it_never_imported():
    result = run_python(
        PUBLISH_IN_A_FRESH_PROCESS, "config.settings.local", CELERY_BROKER_URL="memory://"
    )

    assert result.returncode == 0, result.stderr
    before, task, args = json.loads(result.stdout.strip().splitlines()[-1])
    assert before is False  # the registry was empty, as in gunicorn
    assert (task, args) == ("outbox.send_email", "[42]")
