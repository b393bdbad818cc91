import http from "node:http";
import type { AddressInfo } from "node:net";

// A real HTTP receiver on loopback for the webhook tests: it records every
// request and answers as told (or is not there at all).

export type Received = { path: string; id: string; timestamp: string; signature: string; headers: Record<string, string>; body: string };
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | "hang";

export type Receiver = {
  url: string;
  received: Received[];
  // How to answer the next request (default 200).
  answer: (request: Received) => Answer;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  let port = 0;
  let server: http.Server | null = null;
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = {
    url: "",
    received: [],
    answer: () => ({ status: 200, body: "ok" }),
    async start() {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
          const got: Received = {
            path: req.url ?? "",
            id: headers["webhook-id"] ?? "",
            timestamp: headers["webhook-timestamp"] ?? "",
            signature: headers["webhook-signature"] ?? "",
            headers,
            body: Buffer.concat(chunks).toString("utf8"),
          };
          receiver.received.push(got);
          const answer = receiver.answer(got);
          if (answer === "hang") {
            hanging.add(res);
            return;
          }
          res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
          res.end(answer.body ?? "");
        });
      });
      await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
      port = (server?.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}/hooks`;
    },
    // Down: nothing listens on the port (connections are refused).
    async stop() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async close() {
      await receiver.stop();
    },
  };
  await receiver.start();
  return receiver;
}
