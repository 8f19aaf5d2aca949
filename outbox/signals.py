"""Completion callbacks: outbox never imports the apps that use it.

`email_finished` is sent once a row ends SENT or FAILED (in the worker, after the row is
saved), with `email` (the OutboxEmail). Receivers filter on `email.origin_label`.
"""

from django.dispatch import Signal

email_finished = Signal()
