"""A real SMTP server (aiosmtpd) on a loopback port, and Django pointed at it."""

import socket
import threading

import pytest
from aiosmtpd.controller import Controller

PORTS = range(18410, 18450)


class RecordingHandler:
    """Keeps every accepted message; answers DATA with the queued replies first (451, 550...)."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.replies: list[str] = []
        self.delay = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            self.messages.append(
                {
                    "to": list(envelope.rcpt_tos),
                    "from": envelope.mail_from,
                    "data": envelope.content.decode("utf-8", "replace"),
                }
            )
        return "250 OK"

    def recipients(self) -> list[str]:
        with self.lock:
            return [to for message in self.messages for to in message["to"]]


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            # As the server will bind (asyncio reuses addresses): a port that a finished test
            # left in TIME_WAIT is free; one that another suite listens on is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18410-18449")


@pytest.fixture
def smtp_server():
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """Django's SMTP backend pointed at the aiosmtpd server; yields the recording handler."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    return smtp_server
