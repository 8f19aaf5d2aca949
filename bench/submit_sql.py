"""The SQL of one contact submission past the upsert, as the bench's references send it.

The upsert is the app's own statement (``leads.services._LEAD_UPSERT_SQL``); these two rows are
what ``contact_message_create`` and its event write. Shared by the plain psycopg loop of
``bench/submit.py`` and the bare Django view of ``bench/reference_urls.py``.
"""

CONTACT_SQL = (
    "INSERT INTO contact_messages (id, lead_id, subject, message, responded, created_at,"
    " environment) VALUES (%s, %s, '', %s, false, %s, 'DEV')"
)
EVENT_SQL = (
    "INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)"
    " VALUES (%s, %s, 'CONTACT_MESSAGE_SENT', %s, %s, 'DEV')"
)
