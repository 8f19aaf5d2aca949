"""Two reference endpoints for ``bench/submit.py``; never part of the app's URLs.

- ``GET /bench/empty``: the least any request costs here: gunicorn, the whole middleware
  stack, a URL match and a small JSON answer.
- ``POST /bench/contact``: a contact submission reduced to what it must do: parse the JSON, the
  rate-limit increment, then in one transaction the app's upsert, the message and the event,
  through Django's connection (pool included) with hand-written SQL: no DRF, no serializer, no
  model instances (the five-statement baseline of issue 8).
- ``POST /bench/contact-one``: the same reduced to the write the app now sends (issue 21):
  ONE statement (``bench/submit_sql.one_statement_sql``: the upsert, the message, the event,
  the staff alert, the auto-reply claim and its outbox row), outside a transaction, and the
  outbox row, when there is one, published to the broker as the app does.

Minimal checks only: they are yardsticks, not endpoints.
"""

import json
import uuid

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from alerts.models import VisitorAutoReply
from alerts.rendering import email_render
from alerts.services import AUTO_REPLY_TEMPLATES
from bench.submit_sql import CONTACT_SQL, EVENT_SQL, one_statement_params, one_statement_sql
from leads.services import _LEAD_UPSERT_SQL, lead_email_clean
from leads.throttling import CONTACT_SCOPE, rate_limit_check
from outbox.services import publish

ONE_STATEMENT_SQL = one_statement_sql(_LEAD_UPSERT_SQL)


@require_GET
def empty(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_POST
def contact(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    email = lead_email_clean(body["email"])
    if not rate_limit_check(request, scope=CONTACT_SCOPE).allowed:
        return JsonResponse({"status": "throttled"}, status=429)
    now = timezone.now()
    message_id = uuid.uuid4()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _LEAD_UPSERT_SQL,
            [uuid.uuid4(), email, "", body.get("name", ""), "CONTACT", now, now, "DEV"],
        )
        lead_id = cursor.fetchone()[0]
        cursor.execute(CONTACT_SQL, [message_id, lead_id, body["message"], now])
        cursor.execute(
            EVENT_SQL,
            [uuid.uuid4(), lead_id, json.dumps({"contact_message_id": str(message_id)}), now],
        )
    return JsonResponse({"status": "received"}, status=201)


@csrf_exempt
@require_POST
def contact_one(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    email = lead_email_clean(body["email"])
    if not rate_limit_check(request, scope=CONTACT_SCOPE).allowed:
        return JsonResponse({"status": "throttled"}, status=429)
    now = timezone.now()
    params = one_statement_params(
        lead_id=uuid.uuid4(),
        email=email,
        name=body.get("name", "").strip(),
        message=body["message"].strip(),
        message_id=uuid.uuid4(),
        event_id=uuid.uuid4(),
        now=now,
        day=timezone.localdate(now),
        reply=email_render(AUTO_REPLY_TEMPLATES[VisitorAutoReply.Kind.CONTACT_MESSAGE], {}),
    )
    with connection.cursor() as cursor:
        cursor.execute(ONE_STATEMENT_SQL, params)
        _, reply_id = cursor.fetchone()
    if reply_id is not None:
        publish(reply_id)
    return JsonResponse({"status": "received"}, status=201)


urlpatterns = [
    path("bench/empty", empty),
    path("bench/contact", contact),
    path("bench/contact-one", contact_one),
    path("", include("config.urls")),
]
