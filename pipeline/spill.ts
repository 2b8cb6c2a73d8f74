import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isAlive } from "./lock.js";

type SpilledArray = Float64Array | Uint32Array | Uint8Array;

/**
 * A temporary folder for spill files that closes every file it made when it is removed,
 * whether the build finished or stopped on an error. Its name holds the process id and it
 * holds a marker file, so that the folder of a killed build (SIGKILL, a power cut) is
 * recognised and removed by a later one, and nothing else is.
 */
export class ScratchDirectory {
  private readonly files: Array<SpillFile<SpilledArray>> = [];

  private constructor(readonly path: string) {}

  static async create(prefix: string): Promise<ScratchDirectory> {
    const folder = await mkdtemp(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
    await writeFile(path.join(folder, SCRATCH_MARKER), SCRATCH_MARKER_TEXT);
    return new ScratchDirectory(folder);
  }

  /** Removes the scratch folders with this prefix of processes that are gone. */
  static async clearLeftovers(prefix: string): Promise<void> {
    for (const name of await readdir(os.tmpdir()).catch(() => [] as string[])) {
      if (!name.startsWith(prefix)) continue;
      const pid = /^(\d+)-/.exec(name.slice(prefix.length))?.[1];
      const folder = path.join(os.tmpdir(), name);
      if (pid === undefined || isAlive(Number(pid))) continue;
      if ((await readFile(path.join(folder, SCRATCH_MARKER), "utf8").catch(() => null)) === SCRATCH_MARKER_TEXT) await rm(folder, { recursive: true, force: true });
    }
  }

  spillFile<A extends SpilledArray>(name: string, allocate: (length: number) => A): SpillFile<A> {
    const file = new SpillFile(path.join(this.path, name), allocate);
    this.files.push(file);
    return file;
  }

  async remove(): Promise<void> {
    for (const file of this.files) file.close();
    await rm(this.path, { recursive: true, force: true });
  }
}

const SCRATCH_MARKER = ".satc-scratch";
const SCRATCH_MARKER_TEXT = "Scratch files of a satc-episode-dataset build; removed when the build ends, or by a later build if it was killed.\n";

/** Values kept in memory before they are written out. */
const BUFFERED_VALUES = 1 << 15;

/**
 * A column of numbers too large to keep in memory: appended to a file through a small
 * buffer, read back whole or in chunks. The global near-duplicate steps use these so that
 * their memory stays fixed whatever the corpus size. Synchronous I/O on purpose: the main
 * thread has nothing else to do meanwhile, and the buffers keep the calls few and large.
 */
export class SpillFile<A extends SpilledArray> {
  private readonly descriptor: number;
  private readonly buffer: A;
  private buffered = 0;
  private written = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly allocate: (length: number) => A,
  ) {
    this.descriptor = openSync(path, "w+");
    this.buffer = allocate(BUFFERED_VALUES);
  }

  get length(): number {
    return this.written + this.buffered;
  }

  push(value: number): void {
    this.buffer[this.buffered++] = value;
    if (this.buffered === this.buffer.length) this.flush();
  }

  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]!);
  }

  /** Every value, in the order pushed. */
  readAll(): A {
    return this.readRange(0, this.length);
  }

  /** The values in order, at most `chunkLength` at a time. */
  *chunks(chunkLength: number): Generator<A> {
    for (let start = 0; start < this.length; start += chunkLength) yield this.readRange(start, Math.min(chunkLength, this.length - start));
  }

  /** Closes the file (once; later calls do nothing). Its folder's owner removes it. */
  close(): void {
    if (!this.closed) closeSync(this.descriptor);
    this.closed = true;
  }

  /** `length` values from the `start`-th on. */
  readRange(start: number, length: number): A {
    this.flush();
    const values = this.allocate(length);
    const bytes = new Uint8Array(values.buffer, 0, values.byteLength);
    for (let done = 0; done < bytes.length; ) {
      const read = readSync(this.descriptor, bytes, done, bytes.length - done, start * values.BYTES_PER_ELEMENT + done);
      if (read === 0) throw new Error(`${this.path}: file ended ${bytes.length - done} bytes early; was it changed during the build?`);
      done += read;
    }
    return values;
  }

  private flush(): void {
    if (this.buffered === 0) return;
    const bytes = new Uint8Array(this.buffer.buffer, 0, this.buffered * this.buffer.BYTES_PER_ELEMENT);
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.descriptor, bytes, done, bytes.length - done, this.written * this.buffer.BYTES_PER_ELEMENT + done);
    } catch (error) {
      // A write through a descriptor names no file; the message must (a full TMPDIR).
      throw Object.assign(error as NodeJS.ErrnoException, { path: (error as NodeJS.ErrnoException).path ?? this.path });
    }
    this.written += this.buffered;
    this.buffered = 0;
  }
}
