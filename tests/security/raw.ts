import { request } from "node:http";
import { connect } from "node:net";

export type RawAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * One HTTP request from a chosen loopback address, whose body is only partly
 * sent: `sent` bytes now, and the rest never. An answer proves the server
 * decided without reading the body; a server that waited for it would never
 * answer (the test's timeout fails it).
 */
export function partialRequest(opts: {
  origin: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  declaredLength?: number;
  sent?: number;
  localAddress?: string;
}): Promise<RawAnswer> {
  const url = new URL(opts.path, opts.origin);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
    if (opts.declaredLength !== undefined) headers["content-length"] = String(opts.declaredLength);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: opts.method,
        headers,
        localAddress: opts.localAddress,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          req.destroy();
        });
      },
    );
    req.on("error", (error) => {
      // The server may close the connection once it has answered; the answer has been taken by then.
      if ((error as NodeJS.ErrnoException).code !== "ECONNRESET" && (error as NodeJS.ErrnoException).code !== "EPIPE") reject(error);
    });
    req.flushHeaders();
    if (opts.sent) req.write(Buffer.alloc(opts.sent, 0x20));
  });
}

/** A complete request from a chosen loopback address. */
export function requestFrom(opts: {
  origin: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  localAddress: string;
}): Promise<RawAnswer> {
  const url = new URL(opts.path, opts.origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: opts.method,
        headers: opts.headers,
        localAddress: opts.localAddress,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/**
 * A request whose target is sent byte for byte (no client-side URL
 * normalisation: `/api/./trpc` stays as written), its body chunked: `sent`
 * bytes now and never the end. The status line's code, or 0 when the server
 * gave no answer within `waitMs` (it was reading the body).
 */
export function rawChunkedRequest(opts: {
  origin: string;
  method: string;
  target: string;
  headers?: Record<string, string>;
  sent: number;
  waitMs?: number;
}): Promise<{ status: number; body: string }> {
  const url = new URL(opts.origin);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      const headers = Object.entries({ "content-type": "application/json", ...opts.headers })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join("");
      socket.write(`${opts.method} ${opts.target} HTTP/1.1\r\nHost: ${url.host}\r\n${headers}Transfer-Encoding: chunked\r\n\r\n`);
      if (opts.sent) socket.write(`${opts.sent.toString(16)}\r\n${" ".repeat(opts.sent)}\r\n`);
    });
    let out = "";
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0);
      resolve({ status, body: out.slice(out.indexOf("\r\n\r\n") + 4) });
    };
    const timer = setTimeout(finish, opts.waitMs ?? 3000);
    socket.on("data", (data: Buffer) => {
      out += data.toString("utf8");
      if (/\r\n\r\n/.test(out) && (out.includes("}") || /content-length: 0/i.test(out))) setTimeout(finish, 50);
    });
    socket.on("error", finish);
  });
}
