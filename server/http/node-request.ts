import type { IncomingMessage } from "node:http";
import { CLIENT_ADDRESS_HEADER, clientAddressOf } from "../auth/client-address";

// Built once per request: the tRPC transport reads them before the body and again for the context.
const built = new WeakMap<IncomingMessage, Headers>();

/** A Node request's headers as web Headers (repeated headers kept), with the client's address from the socket. */
export function headersOf(req: IncomingMessage): Headers {
  const known = built.get(req);
  if (known) return known;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  // The app server stamped it already (secureRequest); the header's name is secret, so only it could have.
  const stamped = req.headers[CLIENT_ADDRESS_HEADER];
  headers.set(CLIENT_ADDRESS_HEADER, typeof stamped === "string" ? stamped : clientAddressOf(req));
  built.set(req, headers);
  return headers;
}

/** The origin the client addressed (behind a proxy: its forwarded protocol). */
export function originOf(req: IncomingMessage): string | undefined {
  const proto = req.headers["x-forwarded-proto"];
  return req.headers.host ? `${typeof proto === "string" ? proto : "http"}://${req.headers.host}` : undefined;
}
