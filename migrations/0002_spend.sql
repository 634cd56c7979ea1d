-- 0002_spend: what tenants may spend on language models, and the ledger it is counted from.
--
-- Every model call an arm makes is one row of llm_spend, written after the call; Redis holds
-- running totals per window for the check before each call, and is rebuilt from this table
-- whenever it has lost them (so losing Redis never resets spend to zero).

-- At most one limit per tenant, period and metric. Periods are UTC calendar windows: the
-- clock minute, the day from 00:00 UTC, the month from the 1st, 00:00 UTC.
CREATE TABLE spend_limits (
  tenant_id  text NOT NULL,
  period     text NOT NULL CHECK (period IN ('minute', 'day', 'month')),
  metric     text NOT NULL CHECK (metric IN ('usd', 'tokens')),
  amount     double precision NOT NULL CHECK (amount >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, period, metric)
);

CREATE TABLE llm_spend (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id     text NOT NULL,
  task_id       text NOT NULL DEFAULT '',
  step_id       text NOT NULL DEFAULT '',
  provider      text NOT NULL,
  model         text NOT NULL,
  input_tokens  bigint NOT NULL CHECK (input_tokens >= 0),
  output_tokens bigint NOT NULL CHECK (output_tokens >= 0),
  -- 0 when the model is missing from the price table (cost_unknown).
  cost_usd      double precision NOT NULL CHECK (cost_usd >= 0),
  cost_unknown  boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- A tenant's spend since a window's start.
CREATE INDEX llm_spend_tenant_time_idx ON llm_spend (tenant_id, created_at);
