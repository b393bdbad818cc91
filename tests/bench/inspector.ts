// A minimal client of V8's inspector protocol, for the app started with --inspect.

/** A minimal inspector-protocol client over Node's built-in WebSocket. */
export async function inspector(port: number) {
  const list = (await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json())) as Array<{ webSocketDebuggerUrl: string }>;
  const url = list[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error("no inspector target");
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("inspector connection failed"));
  });
  let next = 1;
  const pending = new Map<number, (result: unknown) => void>();
  const listeners = new Map<string, (params: unknown) => void>();
  ws.onmessage = (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; method?: string; params?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
    else if (message.method) listeners.get(message.method)?.(message.params);
  };
  const send = <T>(method: string, params: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const id = next++;
      pending.set(id, (r) => resolve(r as T));
      ws.send(JSON.stringify({ id, method, params }));
    });
  /** Calls `listener` with each event of that method (one listener a method). */
  const onEvent = (method: string, listener: (params: unknown) => void) => void listeners.set(method, listener);
  return { send, onEvent, close: () => ws.close() };
}
