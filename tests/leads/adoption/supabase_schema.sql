-- The ComfHutt Supabase era (LEGACY-DATABASES.md, state 2): the seed's six tables, made by
-- hand, with their own types, a check constraint and four SECURITY DEFINER functions.

CREATE TABLE users_leads (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email text,
    phone text,
    name text,
    source text,
    first_seen_at timestamptz,
    last_seen_at timestamptz,
    environment text,
    created_at timestamptz DEFAULT now() NOT NULL,
    CONSTRAINT users_leads_pkey PRIMARY KEY (id),
    CONSTRAINT users_leads_email_environment_unique UNIQUE (email, environment),
    CONSTRAINT users_leads_source_check CHECK (source IN ('EARLY_ACCESS', 'CHOICES', 'CONTACT', 'OTHER'))
);

CREATE TABLE lead_events (
    id uuid NOT NULL,
    lead_id uuid,
    event_type text,
    metadata jsonb,
    created_at timestamptz,
    environment text,
    CONSTRAINT lead_events_pkey PRIMARY KEY (id),
    CONSTRAINT lead_events_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES users_leads(id)
);

CREATE TABLE choices_responses (
    id uuid NOT NULL,
    lead_id uuid,
    choice_key text,
    choice_value text,
    created_at timestamptz,
    environment text,
    CONSTRAINT choices_responses_pkey PRIMARY KEY (id),
    CONSTRAINT choices_responses_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES users_leads(id)
);

CREATE TABLE early_access_requests (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    lead_id uuid,
    investment_range text,
    city text,
    intent_level text,
    notes text,
    created_at timestamptz,
    environment text,
    CONSTRAINT early_access_requests_pkey PRIMARY KEY (id),
    CONSTRAINT early_access_requests_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES users_leads(id)
);

CREATE TABLE contact_messages (
    id uuid NOT NULL,
    lead_id uuid,
    subject text,
    message text,
    responded boolean DEFAULT false,
    created_at timestamptz,
    environment text,
    CONSTRAINT contact_messages_pkey PRIMARY KEY (id),
    CONSTRAINT contact_messages_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES users_leads(id)
);

CREATE TABLE page_sessions (
    id uuid NOT NULL,
    lead_id uuid,
    page text,
    referrer text,
    utm_source text,
    utm_campaign text,
    created_at timestamptz,
    environment text,
    CONSTRAINT page_sessions_pkey PRIMARY KEY (id),
    CONSTRAINT page_sessions_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES users_leads(id)
);

CREATE INDEX idx_users_leads_email ON users_leads (email);
CREATE INDEX idx_lead_events_lead_id ON lead_events (lead_id);
CREATE INDEX idx_choices_responses_lead_id ON choices_responses (lead_id);
CREATE INDEX idx_early_access_requests_lead_id ON early_access_requests (lead_id);
CREATE INDEX idx_contact_messages_lead_id ON contact_messages (lead_id);
CREATE INDEX idx_page_sessions_lead_id ON page_sessions (lead_id);

-- The property side, which this project does not model (the Prisma era's, when still here).
CREATE TABLE IF NOT EXISTS "Property" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "city" TEXT,
    CONSTRAINT "Property_pkey" PRIMARY KEY ("id")
);

CREATE FUNCTION upsert_lead(p_email text, p_name text, p_source text, p_environment text)
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE v_id uuid;
BEGIN
  SELECT id INTO v_id FROM users_leads WHERE email = p_email AND environment = p_environment;
  IF v_id IS NULL THEN
    INSERT INTO users_leads (email, name, source, first_seen_at, last_seen_at, environment)
    VALUES (p_email, p_name, p_source, now(), now(), p_environment) RETURNING id INTO v_id;
  ELSE
    UPDATE users_leads SET name = COALESCE(p_name, name), source = COALESCE(p_source, source),
      last_seen_at = now() WHERE id = v_id;
  END IF;
  RETURN v_id;
END $$;

CREATE FUNCTION create_choice_responses(p_lead_id uuid, p_intent text, p_nps integer, p_environment text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  INSERT INTO choices_responses (id, lead_id, choice_key, choice_value, created_at, environment)
  VALUES (gen_random_uuid(), p_lead_id, 'intent', p_intent, now(), p_environment);
  IF p_nps IS NOT NULL AND p_nps > 0 THEN
    INSERT INTO choices_responses (id, lead_id, choice_key, choice_value, created_at, environment)
    VALUES (gen_random_uuid(), p_lead_id, 'nps', p_nps::text, now(), p_environment);
  END IF;
  INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)
  VALUES (gen_random_uuid(), p_lead_id, 'CHOICES_SUBMISSION', jsonb_build_object('intent', p_intent), now(), p_environment);
END $$;

CREATE FUNCTION create_contact_message(p_lead_id uuid, p_message text, p_environment text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  INSERT INTO contact_messages (id, lead_id, subject, message, created_at, environment)
  VALUES (gen_random_uuid(), p_lead_id, 'New message from ComfHutt website', p_message, now(), p_environment);
  INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)
  VALUES (gen_random_uuid(), p_lead_id, 'CONTACT_FORM_SUBMISSION', '{}'::jsonb, now(), p_environment);
END $$;

CREATE FUNCTION create_early_access_request(p_lead_id uuid, p_range text, p_intent text, p_property_type text, p_environment text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  INSERT INTO early_access_requests (lead_id, investment_range, intent_level, created_at, environment)
  VALUES (p_lead_id, p_range, p_intent, now(), p_environment);
  INSERT INTO lead_events (id, lead_id, event_type, metadata, created_at, environment)
  VALUES (gen_random_uuid(), p_lead_id, 'EARLY_ACCESS_REQUEST',
          jsonb_build_object('source', 'website', 'preferredPropertyType', p_property_type), now(), p_environment);
END $$;
