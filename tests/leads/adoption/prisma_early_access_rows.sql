INSERT INTO "EarlyAccessUser" ("id", "email", "name", "investmentIntent", "expectedInvestmentRange", "preferredPropertyType", "source", "createdAt") VALUES
 ('e0000000-0000-4000-8000-000000000001', 'priya.nair@example.com', 'Priya Nair', 'INVEST_WITHIN_3_MONTHS', 'FIFTY_K_TO_TWO_L', 'RESIDENTIAL', 'website', '2025-11-15 07:00:00'),
 ('e0000000-0000-4000-8000-000000000002', 'NoName@example.com', NULL, 'READY_TO_INVEST', 'ABOVE_TWO_L', NULL, 'website', '2025-11-16 07:00:00');
