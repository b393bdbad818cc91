-- CreateTable
CREATE TABLE "provider_request_budgets" (
    "provider" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "refilled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "blocked_until" TIMESTAMPTZ(3),

    CONSTRAINT "provider_request_budgets_pkey" PRIMARY KEY ("provider")
);

-- Takes one token from a provider's bucket, if it has enough and the provider
-- is not blocked by a 429; refills it first by the time passed. The clock is
-- read after the row is locked, so a caller that waited for another never
-- moves refilled_at back and never counts the same time twice.
CREATE FUNCTION take_provider_token(p_provider TEXT, p_rate FLOAT8, p_burst FLOAT8, p_need FLOAT8)
RETURNS TABLE (granted BOOLEAN, available FLOAT8, blocked_ms FLOAT8, at TIMESTAMPTZ)
LANGUAGE plpgsql AS $$
DECLARE
  b provider_request_budgets%ROWTYPE;
  t TIMESTAMPTZ;
BEGIN
  SELECT * INTO b FROM provider_request_budgets WHERE provider = p_provider FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO provider_request_budgets (provider, tokens) VALUES (p_provider, p_burst) ON CONFLICT DO NOTHING;
    SELECT * INTO b FROM provider_request_budgets WHERE provider = p_provider FOR UPDATE;
  END IF;
  t := clock_timestamp();
  available := LEAST(p_burst, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (t - b.refilled_at)))::FLOAT8 * p_rate);
  granted := available >= p_need AND (b.blocked_until IS NULL OR b.blocked_until <= t);
  blocked_ms := CASE WHEN b.blocked_until > t THEN (EXTRACT(EPOCH FROM (b.blocked_until - t)) * 1000)::FLOAT8 END;
  at := t;
  UPDATE provider_request_budgets
  SET tokens = CASE WHEN granted THEN available - 1 ELSE available END, refilled_at = GREATEST(b.refilled_at, t)
  WHERE provider = p_provider;
  RETURN NEXT;
END;
$$;
