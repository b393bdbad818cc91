// When the reader of a process's logs goes away (`npm start | tee app.log`
// and Ctrl-C, a log collector restarting, a closed SSH session), every write
// to stdout or stderr fails (EPIPE, EIO). Node reports each failure as an
// 'error' event on the stream; without a listener that is an uncaught
// exception, and Next's uncaughtException handler logs it with console.error,
// to the same broken stream, which fails again: a loop through
// process.nextTick that starves the event loop, so no timer and no shutdown
// ever runs again (a launcher spun at full CPU for minutes after its stop).
//
// Here, once per stream, its first failure is handled: the stream is marked
// gone and every later write to it is dropped. The process carries on, serving
// or stopping, without that output.
import type { Writable } from "node:stream";

const guarded = new WeakSet<Writable>();
const gone = new WeakSet<Writable>();

type WriteCallback = (error?: Error | null) => void;

/** Guards process.stdout and process.stderr; the launchers call it before anything else. */
export function guardLogStreams(): void {
  guardLogStream(process.stdout, "stdout", process.stderr);
  guardLogStream(process.stderr, "stderr", process.stdout);
}

/** True once `stream`'s reader has gone and its output is being dropped. */
export function isLogStreamGone(stream: Writable): boolean {
  return gone.has(stream);
}

/**
 * Handles `stream`'s first write failure once, whether reported as an 'error'
 * event or thrown: its later writes are dropped (their callbacks still run, on
 * a later turn of the event loop, so a writer waiting on them goes on). One line
 * about it goes to `other`, which is guarded the same way.
 */
export function guardLogStream(stream: Writable, name: string, other?: Writable): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;

  const markGone = (error: unknown) => {
    if (gone.has(stream)) return;
    gone.add(stream);
    const code = (error as NodeJS.ErrnoException | null)?.code ?? "a write error";
    if (other && !gone.has(other)) other.write(`${name}: its reader went away (${code}); nothing more is written to it\n`);
  };
  const drop = (args: unknown[]): boolean => {
    const callback = args.find((arg): arg is WriteCallback => typeof arg === "function");
    if (callback) setImmediate(() => callback(null));
    return true;
  };

  stream.on("error", markGone);
  stream.write = ((...args: unknown[]): boolean => {
    if (gone.has(stream)) return drop(args);
    try {
      return write(...args);
    } catch (error) {
      markGone(error);
      return drop(args);
    }
  }) as Writable["write"];
}
