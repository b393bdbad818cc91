import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

// SSRF guard: a webhook URL is something an admin typed, and the worker calls
// it from inside our network. Only public unicast addresses are called unless
// WEBHOOK_ALLOW_PRIVATE is set; loopback, private, link-local (169.254.169.254,
// the cloud metadata service), CGNAT (100.100.100.200), unique-local
// (fd00:ec2::254), IPv4-compatible IPv6 (::7f00:1), multicast and reserved
// ranges are refused.

export type ResolvedTarget = { url: URL; address: string; family: 4 | 6 };

export class RefusedTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedTargetError";
  }
}

// IPv4-compatible IPv6 (::/96, deprecated): some stacks route ::7f00:1 to
// 127.0.0.1, yet ipaddr.js calls the whole range unicast.
const IPV4_COMPATIBLE = ipaddr.parseCIDR("::/96");

export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  const parsed = ipaddr.process(address);
  if (parsed.kind() === "ipv6" && parsed.match(IPV4_COMPATIBLE)) return false;
  return parsed.range() === "unicast";
}

/**
 * Parses and resolves a webhook URL, refusing what may not be called. Run on
 * every attempt (DNS may have changed since registration); the request then
 * connects to the address checked here, never to a second lookup's answer.
 */
export async function resolveWebhookTarget(rawUrl: string, { allowPrivate }: { allowPrivate: boolean }): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new RefusedTargetError("not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new RefusedTargetError(`${url.protocol} URLs are not allowed; use http or https`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // Any answer that is not public refuses the host, so a name cannot mix a public and a private address.
  const answers = await lookup(host, { all: true, verbatim: true });
  const first = answers[0];
  if (!first) throw new Error(`${host} did not resolve`);
  if (!allowPrivate) {
    const refused = answers.find((a) => !isPublicAddress(a.address));
    if (refused)
      throw new RefusedTargetError(`${host} resolves to ${refused.address}, a non-public address (set WEBHOOK_ALLOW_PRIVATE=1 to allow)`);
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
