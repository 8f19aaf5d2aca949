"""Outbox throughput: emails per second from the outbox to a local SMTP server (aiosmtpd)
with 1 and 2 Celery workers on RabbitMQ, and the delay from commit to SMTP acceptance.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch db> \\
    CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/<vhost> \\
    .venv/bin/python bench/outbox.py --emails 500 --port 18420

The scratch database is migrated and its outbox emptied; the vhost's queue is purged.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class Timestamps:
    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}

    async def handle_DATA(self, server, session, envelope) -> str:
        for to in envelope.rcpt_tos:
            self.accepted.setdefault(to, time.perf_counter())
        return "250 OK"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=500)
    parser.add_argument("--port", type=int, default=18420)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://... (a scratch database)")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("amqp"):
        sys.exit("set CELERY_BROKER_URL=amqp://... (a RabbitMQ vhost of its own)")

    import django
    from aiosmtpd.controller import Controller

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from outbox.models import OutboxEmail
    from outbox.services import email_enqueue

    call_command("migrate", verbosity=0)
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = Timestamps()
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{args.port}"}
    python = sys.executable
    try:
        for count in (int(n) for n in args.workers.split(",")):
            OutboxEmail.objects.all().delete()
            subprocess.run(
                [python, "-m", "celery", "-A", "config", "purge", "-f"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=True,
                timeout=60,
            )
            handler.accepted.clear()
            workers = [
                subprocess.Popen(
                    [
                        python,
                        "-m",
                        "celery",
                        "-A",
                        "config",
                        "worker",
                        "--pool=solo",
                        "--loglevel=WARNING",
                        "--without-gossip",
                        "--without-mingle",
                        f"--hostname=bench{n}@%h",
                    ],
                    cwd=ROOT,
                    env=env,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for n in range(count)
            ]
            time.sleep(5)  # the workers connect
            prefix = f"w{count}-"
            started = time.perf_counter()
            with transaction.atomic():
                for n in range(args.emails):
                    email_enqueue(to=f"{prefix}{n}@example.com", subject=f"n{n}", body="hello")
            committed = time.perf_counter()  # on_commit published them all by now
            deadline = time.monotonic() + 600
            while len(handler.accepted) < args.emails and time.monotonic() < deadline:
                time.sleep(0.05)
            finished = time.perf_counter()
            for worker in workers:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=30)
            got = len(handler.accepted)
            delays = sorted(at - committed for at in handler.accepted.values())
            p50 = statistics.median(delays) if delays else float("nan")
            p99 = delays[int(len(delays) * 0.99) - 1] if delays else float("nan")
            print(
                f"workers={count} emails={got}/{args.emails} "
                f"enqueue+publish={committed - started:.2f}s "
                f"rate={got / (finished - committed):.1f} emails/s "
                f"commit->SMTP p50={p50 * 1000:.0f} ms p99={p99 * 1000:.0f} ms",
                flush=True,
            )
            if got != args.emails:
                return 1
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
