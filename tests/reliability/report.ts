/** What every reliability scenario prints, and the one thing that fails it: an invariant violation. */
export class ScenarioReport {
  requests = 0;
  successes = 0;
  readonly errorsByCode: Record<string, number> = {};
  transitions = 0;
  readonly violations: string[] = [];

  constructor(readonly name: string) {}

  success(): void {
    this.requests++;
    this.successes++;
  }

  error(code: string): void {
    this.requests++;
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  check(ok: boolean, violation: string): void {
    if (!ok) this.violations.push(violation);
  }

  print(extra: Record<string, unknown> = {}): void {
    const line = {
      scenario: this.name,
      requests: this.requests,
      successes: this.successes,
      errors: this.errorsByCode,
      transitions: this.transitions,
      violations: this.violations.length,
      ...extra,
    };
    console.log(`[reliability] ${JSON.stringify(line)}`);
    for (const v of this.violations.slice(0, 20)) console.log(`[reliability]   violation: ${v}`);
  }
}

export function errorCode(error: unknown): string {
  const e = error as { data?: { code?: string }; code?: string; cause?: { code?: string } } | null;
  return e?.data?.code ?? e?.code ?? e?.cause?.code ?? (error instanceof Error ? error.name : "UNKNOWN");
}
