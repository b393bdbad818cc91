// Node's bundled undici (fetch) can close a response body's stream twice when
// the body is cancelled while its last chunk is still on the way (a provider
// call timed out or was aborted just as its answer ended; nodejs/undici issue
// 5715). The second close throws ERR_INVALID_STATE inside undici, where
// nothing can catch it, and it surfaces as an unhandled rejection. The call it
// belonged to has already settled, so nothing is lost; left alone, Node would
// end the process over it.

/** That race and nothing else: the code, the message, and undici in the stack. */
export function isUndiciCloseRace(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message, stack } = error as { code?: unknown; message?: unknown; stack?: unknown };
  return (
    code === "ERR_INVALID_STATE" &&
    typeof message === "string" &&
    message.includes("ReadableStream is already closed") &&
    typeof stack === "string" &&
    stack.includes("undici")
  );
}

/** Logs that race instead of ending the process; every other unhandled rejection still ends it, as Node would. */
export function tolerateUndiciCloseRace(): void {
  process.on("unhandledRejection", (reason) => {
    if (isUndiciCloseRace(reason)) {
      console.error("ignored: undici closed a cancelled response body twice (a known race; the call had already settled)");
      return;
    }
    throw reason;
  });
}
