import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sourceFileOf } from "../pipeline/ingest/file-names.js";
import { scanBlob, type RawFile, type ScannedBlob } from "../pipeline/ingest/ingest.js";

export const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

/** Scans inline bytes as if read from RAW, keeping them; fails the test when the fixture is rejected. */
export function scannedBlob(sourceFile: string, content: string | Uint8Array): ScannedBlob & { bytes: Uint8Array } {
  const bytes = typeof content === "string" ? utf8(content) : content;
  const result = scanBlob(sourceFile, bytes);
  if (result.kind !== "blob") throw new Error(`fixture ${sourceFile} was rejected: ${result.reject.reason}`);
  return { ...result.scanned, bytes };
}

/** A fresh temporary folder holding the given files (paths may contain `/`). */
export async function tempTree(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-test-"));
  for (const [relativePath, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, relativePath)), { recursive: true });
    await writeFile(path.join(root, relativePath), content);
  }
  return root;
}

/** A file under RAW as listRawFiles finds it, from its path relative to RAW as text or bytes. */
export function rawFile(relativePath: string | Uint8Array): RawFile {
  const path = typeof relativePath === "string" ? Buffer.from(relativePath) : relativePath;
  return { sourceFile: sourceFileOf(path), path };
}
