export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export function asRole(value: unknown): Role {
  return (ROLES as readonly unknown[]).includes(value) ? (value as Role) : "viewer";
}

// Who did something: a signed-in user, an API key, or the product itself.
export type Actor =
  | { kind: "user"; id: string; email: string; role: Role }
  | { kind: "api_key"; id: string; name: string; role: Role }
  | { kind: "system"; name: "worker" | "provider" | "seed" | "cli" };

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
