import type { PathLike } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";

/**
 * Blobs are read in fixed-size chunks, so that what a pass over a blob holds does not grow
 * with the blob: large enough that reading costs few system calls, small beside a worker's
 * other memory.
 */
export const CHUNK_BYTES = 1 << 20;

export type OpenFile = (fullPath: PathLike) => Promise<FileHandle>;

/**
 * The file's bytes in order, CHUNK_BYTES at a time. Each chunk is a view of one reused
 * buffer: it is valid until the next chunk is asked for, so consumers copy what they keep.
 */
export async function* readFileChunks(fullPath: PathLike, openFile: OpenFile = (file) => open(file, "r")): AsyncGenerator<Uint8Array> {
  const handle = await openFile(fullPath);
  try {
    const buffer = new Uint8Array(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** Bytes already in memory, cut the way a file is read (for tests and tools). */
export function* chunksOf(bytes: Uint8Array, chunkBytes = CHUNK_BYTES): Generator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += chunkBytes) yield bytes.subarray(start, start + chunkBytes);
}
