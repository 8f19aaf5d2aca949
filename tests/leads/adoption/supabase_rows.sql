-- Messy on purpose: Priya three times by case and spacing (upsert_lead matched exactly),
-- DEV on every row although this is production, raw intent values, NULL city and notes,
-- no nps row for a score of 0, a choice response without a lead, a page session.

INSERT INTO users_leads (id, email, phone, name, source, first_seen_at, last_seen_at, environment, created_at) VALUES
 ('10000000-0000-4000-8000-000000000001', 'priya.nair@example.com', NULL, NULL, 'CHOICES', '2026-02-01 10:00:00+00', '2026-02-03 10:00:00+00', 'DEV', '2026-02-01 10:00:00+00'),
 ('10000000-0000-4000-8000-000000000002', 'Priya.Nair@Example.com', '+91 99000 12345', 'Priya N.', 'CONTACT', '2026-02-05 10:00:00+00', '2026-02-05 10:00:00+00', 'DEV', '2026-02-05 10:00:00+00'),
 ('10000000-0000-4000-8000-000000000003', ' PRIYA.NAIR@example.com ', NULL, 'Priya Nair', 'EARLY_ACCESS', '2026-02-07 10:00:00+00', '2026-02-08 10:00:00+00', 'DEV', '2026-02-07 10:00:00+00'),
 ('10000000-0000-4000-8000-000000000004', 'arjun@example.com', NULL, 'Arjun', NULL, NULL, NULL, 'DEV', '2026-02-02 11:00:00+00'),
 ('10000000-0000-4000-8000-000000000005', 'Meera@Example.com', NULL, NULL, 'CONTACT', '2026-02-04 12:00:00+00', '2026-02-04 12:00:00+00', 'DEV', '2026-02-04 12:00:00+00');

INSERT INTO choices_responses (id, lead_id, choice_key, choice_value, created_at, environment) VALUES
 ('20000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'intent', 'invest', '2026-02-01 10:00:00+00', 'DEV'),
 ('20000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001', 'nps', '9', '2026-02-01 10:00:00+00', 'DEV'),
 ('20000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000004', 'intent', 'list-property', '2026-02-02 11:00:00+00', 'DEV'),
 ('20000000-0000-4000-8000-000000000004', NULL, 'intent', 'invest', '2026-02-03 09:00:00+00', 'DEV');

INSERT INTO early_access_requests (id, lead_id, investment_range, city, intent_level, notes, created_at, environment) VALUES
 ('30000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000003', 'FIFTY_K_TO_TWO_L', NULL, 'INVEST_WITHIN_3_MONTHS', NULL, '2026-02-07 10:00:00+00', 'DEV'),
 ('30000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000004', 'BELOW_10K', NULL, 'JUST_EXPLORING', NULL, '2026-02-02 11:30:00+00', 'DEV'),
 ('30000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000001', 'ABOVE_TWO_L', NULL, 'READY_TO_INVEST', NULL, '2026-02-03 10:00:00+00', 'DEV');

INSERT INTO contact_messages (id, lead_id, subject, message, responded, created_at, environment) VALUES
 ('40000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002', 'New message from ComfHutt website', 'Is the Baner project open?', true, '2026-02-05 10:00:00+00', 'DEV'),
 ('40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000005', 'New message from ComfHutt website', 'List my flat', NULL, '2026-02-04 12:00:00+00', 'DEV');

INSERT INTO page_sessions (id, lead_id, page, referrer, utm_source, utm_campaign, created_at, environment) VALUES
 ('50000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002', '/invest', 'https://google.com/', 'google', NULL, '2026-02-05 09:59:00+00', 'DEV'),
 ('50000000-0000-4000-8000-000000000002', NULL, '/', NULL, NULL, NULL, '2026-02-06 09:00:00+00', 'DEV');

INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment) VALUES
 ('60000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'CHOICES_SUBMISSION', '{"intent": "invest"}', '2026-02-01 10:00:00+00', 'DEV'),
 ('60000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000002', 'CONTACT_FORM_SUBMISSION', '{}', '2026-02-05 10:00:00+00', 'DEV'),
 ('60000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000003', 'EARLY_ACCESS_REQUEST', '{"source": "website", "preferredPropertyType": "RESIDENTIAL"}', '2026-02-07 10:00:00+00', 'DEV'),
 ('60000000-0000-4000-8000-000000000004', '10000000-0000-4000-8000-000000000004', 'CHOICES_SUBMISSION', NULL, '2026-02-02 11:00:00+00', 'DEV'),
 ('60000000-0000-4000-8000-000000000005', '10000000-0000-4000-8000-000000000005', 'CONTACT_FORM_SUBMISSION', '{}', '2026-02-04 12:00:00+00', 'DEV');

INSERT INTO "Property" ("id", "title", "city") VALUES ('prop-1', 'Baner 2BHK', 'Pune') ON CONFLICT DO NOTHING;
