-- Messy on purpose: Priya in every table in different case and spacing, NULL names and
-- phones, a choice response without a lead, waitlist entries linked to users, and case-only
-- duplicates that Prisma's case-sensitive unique indexes let in.

INSERT INTO "User" ("id", "email", "name", "role", "createdAt", "updatedAt") VALUES
 ('6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a01', 'priya.nair@example.com', 'Priya Nair', 'user', '2026-01-10 09:00:00.123', '2026-01-10 09:00:00.123'),
 ('6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a02', 'ravi@example.com', NULL, 'admin', '2026-01-11 10:00:00', '2026-01-11 10:00:00');

INSERT INTO "Account" ("id", "userId", "type", "provider", "providerAccountId") VALUES
 ('acc-1', '6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a01', 'oauth', 'google', 'g-123');
INSERT INTO "Session" ("id", "sessionToken", "userId", "expires") VALUES
 ('ses-1', 'token-1', '6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a01', '2026-12-01 00:00:00');
INSERT INTO "Owner" ("id", "name") VALUES ('own-1', 'Baner Estates');
INSERT INTO "Property" ("id", "ownerId", "title", "city") VALUES ('prop-1', 'own-1', 'Baner 2BHK', 'Pune');
INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "applied_steps_count")
 VALUES ('m-1', 'abc', '20250101000000_init', 1);

INSERT INTO "WaitlistEntry" ("id", "email", "name", "status", "createdAt", "updatedAt", "userId") VALUES
 ('a0000000-0000-4000-8000-000000000001', 'Priya.Nair@EXAMPLE.com', NULL, 'approved', '2025-10-01 08:00:00.250', '2026-01-10 09:00:00.123', '6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a01'),
 ('a0000000-0000-4000-8000-000000000002', 'ravi@example.com', 'Ravi', 'approved', '2025-10-02 08:00:00', '2026-01-11 10:00:00', '6f1c1a52-0d55-4c43-9d7e-0d8f3c1b7a02'),
 ('a0000000-0000-4000-8000-000000000003', 'sam@example.com', 'Sam', 'pending', '2025-10-03 08:00:00', '2025-10-03 08:00:00', NULL),
 ('a0000000-0000-4000-8000-000000000004', 'SAM@example.com', NULL, 'rejected', '2025-10-04 08:00:00', '2025-10-05 08:00:00', NULL);

INSERT INTO "Lead" ("id", "name", "email", "createdAt", "source", "anonymous") VALUES
 ('b0000000-0000-4000-8000-000000000001', NULL, ' priya.nair@example.com', '2025-11-01 12:00:00.500', 'choices_form', true),
 ('b0000000-0000-4000-8000-000000000002', 'Arjun', 'arjun@example.com', '2025-11-02 12:00:00', NULL, false),
 ('b0000000-0000-4000-8000-000000000003', NULL, 'Arjun@Example.com', '2025-11-03 12:00:00', 'choices_form', true);

INSERT INTO "ChoiceResponse" ("id", "leadId", "intent", "nps", "meta", "createdAt") VALUES
 ('c0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'invest', 9, '{"ip_hash": "h1", "user_agent": "Mozilla"}', '2025-11-01 12:00:01'),
 ('c0000000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000002', 'list-property', NULL, NULL, '2025-11-02 12:00:01'),
 ('c0000000-0000-4000-8000-000000000003', NULL, 'invest', 0, '{}', '2025-11-04 12:00:01');

INSERT INTO "ContactUs" ("id", "name", "email", "phone", "message", "createdAt", "handled", "source") VALUES
 ('d0000000-0000-4000-8000-000000000001', 'Priya N.', '  PRIYA.NAIR@example.com ', '+91 99000 12345', 'Is the Baner project open?', '2025-12-01 18:30:00', true, 'website_contact_form'),
 ('d0000000-0000-4000-8000-000000000002', 'Meera', 'meera@example.com', NULL, 'List my flat', '2025-12-02 18:30:00', false, NULL);
