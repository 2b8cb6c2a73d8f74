import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

type SpilledArray = Float64Array | Uint32Array | Uint8Array;

/**
 * A temporary folder for spill files that closes every file it made when it is removed,
 * whether the build finished or stopped on an error.
 */
export class ScratchDirectory {
  private readonly files: Array<SpillFile<SpilledArray>> = [];

  private constructor(readonly path: string) {}

  static async create(prefix: string): Promise<ScratchDirectory> {
    return new ScratchDirectory(await mkdtemp(path.join(os.tmpdir(), prefix)));
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
    for (let done = 0; done < bytes.length; ) done += writeSync(this.descriptor, bytes, done, bytes.length - done, this.written * this.buffer.BYTES_PER_ELEMENT + done);
    this.written += this.buffered;
    this.buffered = 0;
  }
}
