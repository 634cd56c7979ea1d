-- 0001_init: the initial OctoLLM schema.
--
-- Conventions:
--   * Enum columns hold the numeric values of the octo.v1 proto enums (TaskState, Priority,
--     TaskEventKind, StepState), so the code and the schema share one definition.
--   * Proto messages are stored serialized in bytea columns (spec, result, step...): a message
--     gaining a field needs no schema change. Columns exist only for what SQL filters, orders
--     or indexes on.
--   * All times are timestamptz set by the server (now()), never by a client clock.

------------------------------------------------------------------------------------------
-- Tenants and API keys
------------------------------------------------------------------------------------------

CREATE TABLE tenants (
  id         text PRIMARY KEY,
  name       text NOT NULL DEFAULT '',
  tier       text NOT NULL DEFAULT 'standard',  -- service tier (rate limits, quotas)
  -- How the reflex redacts PII in this tenant's requests: typed_mask, hash, keep_last4, remove.
  redaction  text NOT NULL DEFAULT 'typed_mask'
             CHECK (redaction IN ('typed_mask', 'hash', 'keep_last4', 'remove')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Raw API keys are never stored: only a hash (e.g. SHA-256 of the key), looked up on each
-- authentication, plus a short prefix so operators can tell keys apart.
CREATE TABLE api_keys (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key_hash   bytea NOT NULL UNIQUE,
  prefix     text NOT NULL,
  tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name       text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz  -- NULL while the key is valid
);

CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);

------------------------------------------------------------------------------------------
-- Tasks
------------------------------------------------------------------------------------------

-- tenant_id is deliberately not a foreign key to tenants: tenants may also come from
-- configuration (static keys in development), and a task outlives its tenant's row.
CREATE TABLE tasks (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        text NOT NULL,
  idempotency_key  text,                   -- NULL when the client gave none
  traceparent      text,                   -- W3C trace context of the submitting call
  state            smallint NOT NULL CHECK (state BETWEEN 1 AND 6),     -- TaskState
  priority         smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),  -- Priority
  spec             bytea NOT NULL,         -- octo.v1.TaskSpec
  result           bytea,                  -- octo.v1.TaskResult
  usage            bytea,                  -- octo.v1.Usage
  error            bytea,                  -- octo.v1.TaskError
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  -- The orchestrator replica working on the task, until lease_expires_at. Another replica
  -- may claim the task once the lease has expired.
  lease_owner      text,
  lease_expires_at timestamptz,
  cancel_requested boolean NOT NULL DEFAULT false,
  -- seq of the newest row in task_events; the next event gets last_event_seq + 1.
  last_event_seq   bigint NOT NULL DEFAULT 0,

  CONSTRAINT tasks_lease_complete CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL)),
  -- Terminal states (SUCCEEDED 4, FAILED 5, CANCELLED 6) are finished and hold no lease.
  CONSTRAINT tasks_finished_iff_terminal CHECK ((state IN (4, 5, 6)) = (finished_at IS NOT NULL)),
  CONSTRAINT tasks_terminal_unleased CHECK (state NOT IN (4, 5, 6) OR lease_owner IS NULL)
);

-- Idempotent submission: one task per (tenant, key); tasks without a key are not indexed.
CREATE UNIQUE INDEX tasks_idempotency_idx ON tasks (tenant_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Claim: the oldest PENDING tasks of each priority (one index range per priority). Only
-- non-terminal tasks are indexed, so the index stays as small as the live queue.
CREATE INDEX tasks_claimable_idx ON tasks (state, priority, created_at)
  WHERE state IN (1, 2, 3);

-- Claim: PLANNING/RUNNING tasks whose lease expired (their replica died).
CREATE INDEX tasks_lease_expiry_idx ON tasks (lease_expires_at)
  WHERE state IN (2, 3);

-- ListTasks: a tenant's tasks newest first, keyset-paginated on (created_at, id).
CREATE INDEX tasks_tenant_created_idx ON tasks (tenant_id, created_at DESC, id DESC);

-- The plan of a task. A step keeps the position it was first stored at (ordinal), and is
-- replaced in place by later updates.
CREATE TABLE task_steps (
  task_id    uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  step_id    text NOT NULL,
  ordinal    integer NOT NULL,  -- plan order
  step       bytea NOT NULL,    -- octo.v1.Step
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, step_id)
);

-- A task's history. seq starts at 1 and has no gaps per task (assigned under the task's row
-- lock from tasks.last_event_seq).
CREATE TABLE task_events (
  task_id    uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  seq        bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  kind       smallint NOT NULL,            -- TaskEventKind
  state      smallint NOT NULL,            -- TaskState after the event
  step_id    text NOT NULL DEFAULT '',
  step_state smallint NOT NULL DEFAULT 0,  -- StepState
  message    text NOT NULL DEFAULT '',
  error      bytea,                        -- octo.v1.TaskError
  PRIMARY KEY (task_id, seq)
);

-- History by time (retention, audits): rows arrive in time order, so a BRIN index is tiny.
CREATE INDEX task_events_created_brin ON task_events USING brin (created_at);

------------------------------------------------------------------------------------------
-- Documents: the retriever's corpus
------------------------------------------------------------------------------------------

CREATE TABLE documents (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id   text NOT NULL,
  external_id text NOT NULL,  -- the client's identifier; re-ingesting replaces the row
  title       text NOT NULL DEFAULT '',
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  -- Full-text search vector, English stemming; title matches weigh more than body matches.
  search      tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english'::regconfig, title), 'A') ||
                setweight(to_tsvector('english'::regconfig, body), 'B')) STORED,
  CONSTRAINT documents_tenant_external_id_key UNIQUE (tenant_id, external_id)
);

CREATE INDEX documents_search_idx ON documents USING gin (search);
