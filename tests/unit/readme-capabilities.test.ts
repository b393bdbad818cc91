import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROVIDER_CAPABILITIES, PROVIDER_NAMES, type ProviderCapabilities } from "../../server/provider/capabilities";

// The README's table of what each provider supports says what
// server/provider/capabilities.ts declares: a row per yes-or-no capability,
// its cell opening with ✓ or —, and the parameters each provider takes. A
// capability added to the declaration needs its row here (the type says so)
// and in the README. docs/CONTRACT.md's table says more in words; what of it
// can be read off is held to the declaration too.

const ROOT = path.resolve(import.meta.dirname, "../..");
const SECTION = "### Two providers: OpenAI and Together AI";

type YesOrNo = { [K in keyof ProviderCapabilities]: ProviderCapabilities[K] extends boolean ? K : never }[keyof ProviderCapabilities];

/** The README row that states each yes-or-no capability. */
const ROWS: Record<YesOrNo, string> = {
  pauseResume: "pause / resume",
  asyncCancel: "asynchronous cancel",
  checkpoints: "checkpoints",
  metrics: "training metrics",
  continueFromCheckpoint: "continue from a checkpoint",
  reportsPrice: "provider-reported price",
  acceptsUnlistedModels: "models beyond its list",
};

/** The first table under `heading` in `file`: header cells, then each row's cells by its first. */
function tableIn(file: string, heading: string): { header: string[]; rows: Map<string, string[]> } {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const section = text.split(`\n${heading}\n`)[1]?.split("\n#")[0] ?? "";
  const lines = section.split("\n").filter((line) => line.startsWith("|"));
  const cells = (line: string) =>
    line
      .slice(1, line.endsWith("|") ? -1 : undefined)
      .split("|")
      .map((cell) => cell.trim());
  const [header = [], , ...body] = lines.map(cells);
  return { header: header.slice(1), rows: new Map(body.map(([label = "", ...rest]) => [label, rest])) };
}

describe("the README's provider table", () => {
  const { header, rows } = tableIn("README.md", SECTION);

  it("has a column per provider, in the declaration's order, under its label", () => {
    expect(header).toEqual(PROVIDER_NAMES.map((name) => PROVIDER_CAPABILITIES[name].label));
  });

  it.each(Object.entries(ROWS))("%s: each cell opens with ✓ where the provider can, — where it cannot", (key, label) => {
    const row = rows.get(label);
    expect(row, `a row "${label}"`).toBeDefined();
    const said = row?.map((cell) => (cell.startsWith("✓") ? true : cell.startsWith("—") ? false : cell));
    expect(said).toEqual(PROVIDER_NAMES.map((name) => PROVIDER_CAPABILITIES[name][key as YesOrNo]));
  });

  it("lists the parameters each provider takes", () => {
    const row = rows.get("parameters") ?? [];
    const named = row.map((cell) => [...cell.matchAll(/`(\w+)`/g)].map((match) => match[1]));
    expect(named).toEqual(PROVIDER_NAMES.map((name) => [...PROVIDER_CAPABILITIES[name].parameters]));
  });

  it("has no row the declaration does not back", () => {
    expect([...rows.keys()].sort()).toEqual([...Object.values(ROWS), "parameters"].sort());
  });
});

describe("docs/CONTRACT.md's provider table", () => {
  const { header, rows } = tableIn("docs/CONTRACT.md", "## Providers (in place)");
  const row = (label: string) => rows.get(label) ?? [];

  it("has a column per provider, under its label", () => {
    expect(header).toEqual(PROVIDER_NAMES.map((name) => PROVIDER_CAPABILITIES[name].label));
  });

  it("says yes to pause / resume where the provider can, and names the cancel's kind", () => {
    expect(row("pause / resume").map((cell) => cell.startsWith("yes"))).toEqual(
      PROVIDER_NAMES.map((n) => PROVIDER_CAPABILITIES[n].pauseResume),
    );
    expect(row("cancel").map((cell) => cell.startsWith("asynchronous"))).toEqual(
      PROVIDER_NAMES.map((n) => PROVIDER_CAPABILITIES[n].asyncCancel),
    );
  });

  it("lists the parameters each provider takes", () => {
    const named = row("parameters").map((cell) => [...cell.matchAll(/`(\w+)`/g)].map((match) => match[1]));
    expect(named).toEqual(PROVIDER_NAMES.map((name) => [...PROVIDER_CAPABILITIES[name].parameters]));
  });
});
