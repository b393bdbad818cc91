import type { IncomingMessage } from "node:http";
import { CLIENT_ADDRESS_HEADER, clientAddressOf } from "../auth/client-address";

/** A Node request's headers as web Headers (repeated headers kept), with the client's address from the socket. */
export function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  headers.set(CLIENT_ADDRESS_HEADER, clientAddressOf(req));
  return headers;
}

/** The origin the client addressed (behind a proxy: its forwarded protocol). */
export function originOf(req: IncomingMessage): string | undefined {
  const proto = req.headers["x-forwarded-proto"];
  return req.headers.host ? `${typeof proto === "string" ? proto : "http"}://${req.headers.host}` : undefined;
}
