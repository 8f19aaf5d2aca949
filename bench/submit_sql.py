"""The SQL of one contact submission, as the bench's yardsticks send it.

The upsert is the app's own statement (``leads.services._LEAD_UPSERT_SQL``).

- ``CONTACT_SQL`` and ``EVENT_SQL``: the two rows after the upsert, for the five-statement
  transaction (BEGIN; upsert; message; event; COMMIT) of the plain psycopg loop, the baseline
  of issue 8.
- ``one_statement_sql()``: what ``contact_message_create`` sends on PostgreSQL (issue 21): ONE
  data-modifying CTE with the upsert, the message, the event (its metadata chosen by whether
  the upsert inserted our row), the staff alert, the day's auto-reply claim and, when the claim
  was free, its outbox row. Hand-written here, so that the bare view and the loop use no model
  instance; the same columns and values as the app's statement. Named parameters.
"""

CONTACT_SQL = (
    "INSERT INTO contact_messages (id, lead_id, subject, message, responded, created_at,"
    " environment) VALUES (%s, %s, '', %s, false, %s, 'DEV')"
)
EVENT_SQL = (
    "INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)"
    " VALUES (%s, %s, 'CONTACT_MESSAGE_SENT', %s, %s, 'DEV')"
)

_UPSERT_PARAMS = (
    "%(lead_id)s",
    "%(email)s",
    "%(phone)s",
    "%(name)s",
    "'CONTACT'",
    "%(now)s",
    "%(now)s",
    "'DEV'",
)


def one_statement_sql(upsert_sql: str) -> str:
    """The one statement, around the app's upsert (its %s placeholders made named)."""
    upsert = upsert_sql.replace(
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", f"VALUES ({', '.join(_UPSERT_PARAMS)})"
    )
    return f"""WITH lead AS ({upsert}),
message AS (
  INSERT INTO contact_messages (id, lead_id, subject, message, responded, created_at, environment)
  SELECT %(message_id)s, lead.id, '', %(message)s, false, %(now)s, 'DEV' FROM lead
),
event AS (
  INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)
  SELECT %(event_id)s, lead.id, 'CONTACT_MESSAGE_SENT',
         CASE WHEN lead.id = %(lead_id)s THEN %(metadata_new)s::jsonb
              ELSE %(metadata_known)s::jsonb END,
         %(now)s, 'DEV'
  FROM lead
),
alert AS (
  INSERT INTO staff_alerts (kind, lead_id, object_id, new_lead, created_at)
  SELECT 'CONTACT_MESSAGE', lead.id, %(message_id)s, lead.id = %(lead_id)s, %(now)s FROM lead
),
claim AS (
  INSERT INTO visitor_auto_replies ("to", day, kind, created_at)
  VALUES (%(email)s, %(day)s, 'CONTACT_MESSAGE', %(now)s)
  ON CONFLICT ("to", day) DO NOTHING
  RETURNING id
),
reply AS (
  INSERT INTO outbox_outboxemail ("to", subject, body, html_body, status, attempts,
    next_attempt_at, last_error, created_at, origin_label, origin_id, provider_message_id,
    delivery_status, delivery_detail)
  SELECT %(email)s, %(reply_subject)s, %(reply_body)s, %(reply_html)s, 'PENDING', 0, %(now)s,
         '', %(now)s, 'alerts.auto_reply', claim.id::text, '', '', ''
  FROM claim
  RETURNING id
)
SELECT lead.id, (SELECT id FROM reply) FROM lead"""


def one_statement_params(
    *, lead_id, email: str, name: str, message: str, message_id, event_id, now, day, reply
) -> dict:
    """The parameters of ``one_statement_sql``; ``reply`` is the rendered confirmation."""
    import json

    metadata = {"contact_message_id": str(message_id), "privacy_notice_version": "bench"}
    return {
        "lead_id": lead_id,
        "email": email,
        "phone": "",
        "name": name,
        "now": now,
        "day": day,
        "message_id": message_id,
        "message": message,
        "event_id": event_id,
        "metadata_new": json.dumps({**metadata, "new_lead": True}),
        "metadata_known": json.dumps({**metadata, "new_lead": False}),
        "reply_subject": reply.subject,
        "reply_body": reply.body,
        "reply_html": reply.html_body,
    }
