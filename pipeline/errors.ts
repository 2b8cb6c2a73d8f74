import { forTerminal } from "./runtime/terminal.js";
import { PipelineError } from "./validate.js";

/** The build was stopped by a signal; it removed what it had begun and exits 128 + the signal's number. */
export class BuildInterrupted extends PipelineError {
  constructor(readonly signal: "SIGINT" | "SIGTERM") {
    super(`interrupted by ${signal}; the build removed what it had begun and left OUT and the cache as they were`);
  }

  get exitCode(): number {
    return SIGNAL_NUMBERS[this.signal] + 128;
  }
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

/** For a command line: a signal that SIGINT or SIGTERM aborts with a BuildInterrupted; a second signal exits at once. */
export function abortOnSignals(): AbortSignal {
  const interruption = new AbortController();
  const interrupt = (signal: "SIGINT" | "SIGTERM") => {
    const reason = new BuildInterrupted(signal);
    if (interruption.signal.aborted) process.exit(reason.exitCode);
    interruption.abort(reason);
  };
  process.on("SIGINT", interrupt).on("SIGTERM", interrupt);
  return interruption.signal;
}

/** A command line's failure: one line through `write` (the stack trace with DEBUG=1), and the exit code. */
export function reportFailure(error: unknown, write: (line: string) => void): number {
  // The one line may quote file names and text from RAW; a stack trace is for developers.
  write(process.env.DEBUG === "1" ? describeFailure(error, true) : forTerminal(describeFailure(error, false)));
  return error instanceof BuildInterrupted ? error.exitCode : 1;
}

/** What to do about a system error, by its code. */
const advice: Record<string, string> = {
  ENOSPC: "no space left on the device: free space there, or point TMPDIR, OUT or CACHE at a disk with room, and build again",
  EDQUOT: "the disk quota is used up: free space, or point TMPDIR, OUT or CACHE at another disk, and build again",
  EACCES: "permission denied: make the folder writable, or choose an OUT, CACHE or TMPDIR in a folder you may write",
  EPERM: "operation not permitted: choose an OUT, CACHE or TMPDIR in a folder you may write",
  EROFS: "the file system is read-only: choose an OUT, CACHE or TMPDIR on a writable disk",
  ENOENT: "it does not exist (was it removed during the build?); check the path and build again",
  ENOTDIR: "a part of the path is a file, not a folder; check the path",
  EISDIR: "it is a folder where a file was expected; check the path",
  EMFILE: "too many open files: raise the limit (ulimit -n) or lower THREADS",
  EIO: "the disk reported an input/output error; check the disk",
};

/**
 * The one line a failed build prints: for its own refusals and bad input the message, for a
 * system error what failed, where and what to do, and for anything else (a bug) the message
 * with a pointer to DEBUG=1, which adds the stack trace.
 */
export function describeFailure(error: unknown, debug: boolean): string {
  const stack = debug && error instanceof Error && error.stack ? `\n${error.stack}` : "";
  if (error instanceof PipelineError) return `build failed: ${error.message}${stack}`;
  const system = error as Partial<NodeJS.ErrnoException>;
  if (typeof system.code === "string" && advice[system.code]) {
    const where = system.path ? ` ${system.path}` : "";
    return `build failed: ${system.syscall ?? "an operation"}${where} failed (${system.code}): ${advice[system.code]}${stack}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `build failed: ${message.split("\n")[0]}${stack || " (run with DEBUG=1 for the stack trace)"}`;
}
