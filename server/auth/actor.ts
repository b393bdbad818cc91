export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function asRole(value: unknown): Role {
  return (ROLES as readonly unknown[]).includes(value) ? (value as Role) : "viewer";
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleRank(role: Role): number {
  return RANK[role];
}

/** The lesser of two roles: what a key may do when its owner has less. */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

// Who did something: a signed-in user, an API key, or the product itself.
export type Actor =
  | { kind: "user"; id: string; email: string; role: Role }
  // budget: the rate-limit subject its requests count under (its owner's, so more keys are not more quota).
  | { kind: "api_key"; id: string; name: string; role: Role; ownerId?: string; budget?: string }
  | { kind: "system"; name: "worker" | "provider" | "seed" | "cli" | "guardrail" | "sweep" };

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case "user":
      return `user:${actor.email}`;
    case "api_key":
      return `api_key:${actor.name}`;
    case "system":
      return actor.name;
  }
}

export const WORKER: Actor = { kind: "system", name: "worker" };
export const PROVIDER: Actor = { kind: "system", name: "provider" };
export const GUARDRAIL: Actor = { kind: "system", name: "guardrail" };
export const SWEEP: Actor = { kind: "system", name: "sweep" };
