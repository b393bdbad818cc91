import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import { env } from "../env";

// The client's address travels from the socket to the handlers (tRPC, REST,
// better-auth behind Next) in a request header whose name is random per
// process: a client cannot send it, because it cannot know its name.
const globalForAddress = globalThis as unknown as { controlRoomClientHeader?: string };
export const CLIENT_ADDRESS_HEADER = (globalForAddress.controlRoomClientHeader ??= `x-client-address-${randomBytes(8).toString("hex")}`);

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
let trusted: { source: string; ranges: Range[] } | undefined;

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const trimmed = text.trim().replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(trimmed)) return null;
  return ipaddr.process(trimmed); // IPv4-mapped IPv6 (::ffff:1.2.3.4) becomes IPv4
}

function trustedRanges(): Range[] {
  const source = env().TRUSTED_PROXIES;
  if (trusted?.source !== source) {
    const ranges = source
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry): Range => {
        if (entry.includes("/")) return ipaddr.parseCIDR(entry);
        const address = parseAddress(entry);
        if (!address) throw new Error(`TRUSTED_PROXIES: ${entry} is not an address or CIDR range`);
        return [address, address.kind() === "ipv4" ? 32 : 128];
      });
    trusted = { source, ranges };
  }
  return trusted.ranges;
}

function isTrustedProxy(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return trustedRanges().some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

/**
 * Who sent the request: the socket's peer, unless that peer is a configured
 * proxy (TRUSTED_PROXIES); then X-Forwarded-For is read from the right,
 * skipping trusted proxies, and its first other address is the client.
 */
export function clientAddressOf(req: IncomingMessage): string {
  const peer = parseAddress(req.socket.remoteAddress ?? "");
  if (!peer) return "unknown";
  if (!isTrustedProxy(peer)) return peer.toString();
  const header = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").reverse();
  let client = peer;
  for (const hop of hops) {
    const address = parseAddress(hop);
    if (!address) break;
    client = address;
    if (!isTrustedProxy(address)) break;
  }
  return client.toString();
}

/** Writes the client's address into the request's headers (replacing whatever was there). */
export function stampClientAddress(req: IncomingMessage): void {
  req.headers[CLIENT_ADDRESS_HEADER] = clientAddressOf(req);
}

/** The address stamped by the server; "unknown" when the request did not come through it. */
export function clientAddressFrom(headers: Headers): string {
  return headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown";
}
