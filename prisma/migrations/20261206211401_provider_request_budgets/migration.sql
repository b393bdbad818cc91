-- CreateTable
CREATE TABLE "provider_request_budgets" (
    "provider" TEXT NOT NULL,
    "tokens" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "refilled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "blocked_until" TIMESTAMPTZ(3),

    CONSTRAINT "provider_request_budgets_pkey" PRIMARY KEY ("provider")
);
