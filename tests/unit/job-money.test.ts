import { describe, expect, it } from "vitest";
import { costText, formatEstimate, formatUsd } from "../../app/jobs/_components/job-money";
import { parseJobFilters, jobFiltersQuery, listInput } from "../../app/jobs/_components/job-filters";

type Cost = Parameters<typeof costText>[0]["cost"];
const cost = (amounts: Partial<Pick<Cost, "so_far_usd" | "estimated_total_usd" | "final_usd">>): { cost: Cost } => ({
  cost: {
    so_far_usd: null,
    estimated_total_usd: null,
    final_usd: null,
    currency: "USD",
    source: "price_table",
    usd_per_1m_training_tokens: 3,
    training_file_tokens: 1_000,
    n_epochs: 3,
    ...amounts,
  },
});

describe("money as people write it", () => {
  it("spent amounts in cents, under a cent as < $0.01, never a bare $0.00 for something spent", () => {
    expect(formatUsd(12.4)).toBe("$12.40");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatUsd(0.004)).toBe("< $0.01");
    expect(formatUsd(0)).toBe("$0.00");
  });

  it("estimates with a tilde, whole dollars from $10", () => {
    expect(formatEstimate(30.87)).toBe("~$31");
    expect(formatEstimate(1234.5)).toBe("~$1,235");
    expect(formatEstimate(0.19)).toBe("~$0.19");
    expect(formatEstimate(9.994)).toBe("~$9.99");
    expect(formatEstimate(0.001)).toBe("< $0.01");
  });

  it("a table cell: spent of the estimate while training, the final amount once known, nothing when unknown", () => {
    expect(costText(cost({ so_far_usd: 12.4, estimated_total_usd: 30.87 }))).toBe("$12.40 of ~$31");
    expect(costText(cost({ so_far_usd: 0.001, estimated_total_usd: 0.19 }))).toBe("< $0.01 of ~$0.19");
    expect(costText(cost({ so_far_usd: 2 }))).toBe("$2.00 so far");
    expect(costText(cost({ so_far_usd: 30, estimated_total_usd: 30.87, final_usd: 30.5 }))).toBe("$30.50");
    expect(costText(cost({}))).toBeNull();
  });
});

describe("the jobs view in the URL", () => {
  it("search, filters and sort survive a round trip through the query string", () => {
    const filters = parseJobFilters({ q: "  retail ", status: "running", sort: "-cost", stopped: "guardrail" });
    expect(filters).toMatchObject({ q: "retail", status: "running", sort: "-cost", guardrail: true });
    const again = parseJobFilters(Object.fromEntries(new URLSearchParams(jobFiltersQuery(filters))));
    expect(again).toEqual(filters);
    expect(listInput(again)).toMatchObject({ q: "retail", sort: "-cost", status: "running", stopped_by_guardrail: "true" });
  });

  it("the default order and an empty search are left out; a stale or unknown value shows the default view", () => {
    expect(jobFiltersQuery(parseJobFilters({ q: "   ", sort: "-created_at" }))).toBe("");
    expect(parseJobFilters({ sort: "name", q: "x".repeat(500) })).toMatchObject({ sort: "-created_at", q: "x".repeat(200) });
  });
});
