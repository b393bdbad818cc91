/** Request bodies above this are refused (413) before they are read further, on every transport. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** The golden-record import's own limit: 5 MB of text, which JSON escaping may grow. */
export const MAX_IMPORT_BODY_BYTES = 11 * 1024 * 1024;

/**
 * Reads a body (a Node request or a web ReadableStream) into memory, stopping
 * as soon as it passes `limit` bytes — whatever Content-Length said, chunked
 * bodies included. Null when it is too large; the rest is never read.
 */
export async function readLimited(body: AsyncIterable<Uint8Array> | null | undefined, limit: number): Promise<Buffer | null> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    const next: IteratorResult<Uint8Array, unknown> = await iterator.next();
    if (next.done) break;
    const value = next.value;
    size += value.byteLength;
    // Stop reading; the stream is left as it is (cancelling it would cut the
    // connection before the 413 goes out), and the answer closes the connection.
    if (size > limit) return null;
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks);
}

/** The message of a 413 (the status says what is wrong). */
export const tooLargeMessage = (limit: number) => `The body is larger than ${Math.round((limit / 1024 / 1024) * 100) / 100} MiB.`;

/**
 * A web Request's body within `limit`, refusing early on a declared
 * Content-Length above it: a new Request carrying the buffered body (for
 * handlers that read it again), or null when it is too large.
 */
export async function bufferedRequest(req: Request, limit: number): Promise<Request | null> {
  if (Number(req.headers.get("content-length") ?? 0) > limit) return null;
  if (req.method === "GET" || req.method === "HEAD" || !req.body) return req;
  const body = await readLimited(req.body as unknown as AsyncIterable<Uint8Array>, limit);
  if (body === null) return null;
  const headers = new Headers(req.headers);
  headers.delete("transfer-encoding");
  headers.set("content-length", String(body.length));
  return new Request(req.url, { method: req.method, headers, body: Uint8Array.from(body), signal: req.signal });
}
