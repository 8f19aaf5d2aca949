"""Completion callbacks: outbox never imports the apps that use it.

`email_finished` is sent once a row ends SENT or FAILED (in the worker, after the row is
saved), with `email` (the OutboxEmail). Receivers filter on `email.origin_label`.

`email_delivery_reported` is sent when a provider's delivery webhook changed a SENT row's
`delivery_status` (DELIVERED or BOUNCED), inside the transaction that changed it (the row stays
locked until the receivers are done, so two reports of one email apply in order).
"""

from django.dispatch import Signal

email_finished = Signal()
email_delivery_reported = Signal()
