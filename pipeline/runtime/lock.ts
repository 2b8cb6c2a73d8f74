import { link, open, readFile, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import { PipelineError } from "../validate.js";

/**
 * A lock file that says which process holds a folder (OUT, the cache): created exclusively,
 * holding the holder's pid and host. A lock whose process is gone (killed builds release
 * nothing) is stale and taken over; a live holder makes a second build stop at once with a
 * message, rather than both writing the same files.
 *
 * Not proper-lockfile: it calls a lock stale when its holder has not touched it for a while,
 * and the build's main thread can be busy for longer than that in one synchronous step.
 */
export class Lock {
  private constructor(
    readonly file: string,
    private readonly record: string,
  ) {}

  /** Takes the lock or throws a PipelineError naming `what` and the build holding it. */
  static async acquire(file: string, what: string): Promise<Lock> {
    const record = `${JSON.stringify({ pid: process.pid, host: os.hostname() })}\n`;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await writeExclusive(file, record);
        return new Lock(file, record);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = await readHolder(file);
      if (holder === "gone") continue;
      if (holder === "unreadable") {
        throw new PipelineError(`${file} is in the place of the build's lock for ${what} but is not one; if no build is running, delete it and build again.`);
      }
      if (holder.alive) {
        throw new PipelineError(`another build (pid ${holder.pid} on ${holder.host}) is using ${what}; wait for it to finish, or stop it, then build again.`);
      }
      await removeStale(file, holder.inode);
    }
    throw new PipelineError(`could not take the lock ${file} for ${what}: other builds keep taking it; build again when they are done.`);
  }

  /** Removes the lock if it is still this process's. */
  async release(): Promise<void> {
    if ((await readFile(this.file, "utf8").catch(() => null)) === this.record) await rm(this.file, { force: true });
  }
}

async function writeExclusive(file: string, text: string): Promise<void> {
  const handle = await open(file, "wx");
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

type Holder = { pid: number; host: string; alive: boolean; inode: number } | "gone" | "unreadable";

async function readHolder(file: string): Promise<Holder> {
  // A lock just created may not have its text yet: read again after a moment.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inode = await stat(file).then((stats) => stats.ino, () => null);
    if (inode === null) return "gone";
    const text = await readFile(file, "utf8").catch(() => null);
    const parsed = text === null ? null : parseHolder(text);
    if (parsed) return { ...parsed, inode, alive: parsed.host !== os.hostname() || isAlive(parsed.pid) };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return "unreadable";
}

function parseHolder(text: string): { pid: number; host: string } | null {
  try {
    const { pid, host } = JSON.parse(text) as { pid: unknown; host: unknown };
    return Number.isInteger(pid) && typeof host === "string" ? { pid: pid as number, host } : null;
  } catch {
    return null;
  }
}

/** True unless no process with this pid exists (a process of another user counts as alive). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Removes the stale lock with this inode and nothing else: another build may have replaced
 * it since it was read, and that build's lock is put back.
 */
async function removeStale(file: string, inode: number): Promise<void> {
  const moved = `${file}.stale-${process.pid}`;
  if (!(await rename(file, moved).then(() => true, () => false))) return;
  if ((await stat(moved)).ino !== inode) await link(moved, file).catch(() => {});
  await rm(moved, { force: true });
}
