import { createHash } from "node:crypto";
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cp, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_BLOB_BYTES } from "../pipeline/ingest/ingest.js";
import { defaultPartitions, type BuildSummary } from "../pipeline/run.js";
import { blobBytes, defaultThreads } from "../pipeline/tasks/blob-tasks.js";
import { generateCorpus } from "../tools/corpus.js";
import { build, builtSeeds } from "./build.js";
import { readCsvRows } from "./readers.js";

const RAW = path.resolve("raw");
let firstOut: string;
let secondOut: string;
let summary: BuildSummary;

const readAllBytes = (directory: string) =>
  Object.fromEntries(readdirSync(directory).map((name) => [name, readFileSync(path.join(directory, name))]));

beforeAll(async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), "satc-e2e-"));
  firstOut = await builtSeeds();
  secondOut = path.join(root, "second");
  summary = await build({ rawDir: RAW, outDir: secondOut });
});

describe("a build of raw/", () => {
  it("puts every non-blank seed line in exactly one occurrence and rejects nothing", () => {
    const occurrences = readCsvRows(path.join(firstOut, "occurrences.csv"), new Set(["line_start", "line_end"]));
    const seen = new Map<string, number>();
    for (const row of occurrences) {
      for (let line = row.line_start as number; line <= (row.line_end as number); line++) {
        const key = `${row.source_file}:${line}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    let nonBlankLines = 0;
    for (const file of readdirSync(RAW)) {
      readFileSync(path.join(RAW, file), "utf8")
        .split(/\r\n|\r|\n/)
        .forEach((text, index) => {
          if (text.trim() === "") return;
          nonBlankLines++;
          expect(seen.get(`${file}:${index + 1}`), `${file}:${index + 1}`).toBe(1);
        });
    }
    expect(occurrences).toHaveLength(nonBlankLines);
    expect(summary.rejects).toEqual([]);
    expect(readFileSync(path.join(firstOut, "rejects.csv"), "utf8")).toBe("source_file,line_start,line_end,reason\n");
  });

  it("merges the two exact-duplicate pairs of the seeds (one across files, one inside a file)", () => {
    const occurrences = readCsvRows(path.join(firstOut, "occurrences.csv"), new Set(["line_start"]));
    const idAt = (file: string, line: number) => occurrences.find((row) => row.source_file === file && row.line_start === line)!.paragraph_id;
    expect(idAt("000_2c8cc0b03077b88f.txt", 1)).toBe(idAt("002_2ef8a15873b58c09.txt", 18));
    expect(idAt("004_a58078538e24c6c1.txt", 40)).toBe(idAt("004_a58078538e24c6c1.txt", 41));
    const paragraphs = readCsvRows(path.join(firstOut, "paragraphs.csv"), new Set(["occurrence_count", "line_start"]));
    expect(paragraphs).toHaveLength(occurrences.length - 2);
    expect(paragraphs.filter((row) => row.occurrence_count === 2)).toHaveLength(2);
    const canonical = paragraphs.find((row) => row.paragraph_id === idAt("000_2c8cc0b03077b88f.txt", 1))!;
    expect(canonical).toMatchObject({ source_file: "000_2c8cc0b03077b88f.txt", line_start: 1 });
  });

  it("gives back each occurrence's text from the raw bytes at byte_start..byte_end", () => {
    const occurrences = readCsvRows(path.join(firstOut, "occurrences.csv"), new Set(["byte_start", "byte_end"]));
    const paragraphs = new Map(readCsvRows(path.join(firstOut, "paragraphs.csv"), new Set()).map((row) => [row.paragraph_id, row.text]));
    for (const row of occurrences) {
      const bytes = readFileSync(path.join(RAW, row.source_file as string));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(row.blob_sha256);
      const text = bytes.subarray(row.byte_start as number, row.byte_end as number).toString("utf8");
      expect(text.replace(/\s*(\r\n|\r|\n)\s*/g, " ")).toBe(paragraphs.get(row.paragraph_id));
    }
  });

  it("records every input and output with its hash in the manifest", () => {
    const manifest = JSON.parse(readFileSync(path.join(firstOut, "manifest.json"), "utf8"));
    expect(manifest.inputs.map((input: { path: string }) => input.path)).toEqual(readdirSync(RAW).sort());
    for (const output of manifest.outputs) {
      const bytes = readFileSync(path.join(firstOut, output.path));
      expect(createHash("sha256").update(bytes).digest("hex"), output.path).toBe(output.sha256);
    }
    expect(manifest).toMatchObject({ packageVersion: expect.any(String), schemaVersion: expect.any(String), catalogVersion: expect.any(String) });
    expect(manifest.languageModelVersion).toContain("lid.176");
  });

  it("is byte-identical when built again from the same input", () => {
    const first = readAllBytes(firstOut);
    const second = readAllBytes(secondOut);
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    for (const name of Object.keys(first)) expect(second[name]!.equals(first[name]!), name).toBe(true);
  });
});

describe("parallel and incremental builds", () => {
  let root: string;
  let rawDir: string;
  // The build the incremental tests change, and its cache.
  let out: string;
  let cache: string;
  const buildInto = (outDir: string, cacheDir: string, options: { threads?: number; partitions?: number } = {}) => build({ rawDir, outDir, cacheDir, ...options });
  const expectSameBytes = (actualDir: string, expectedDir: string) => {
    const [actual, expected] = [readAllBytes(actualDir), readAllBytes(expectedDir)];
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const name of Object.keys(expected)) expect(actual[name]!.equals(expected[name]!), name).toBe(true);
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "satc-incremental-"));
    rawDir = path.join(root, "raw");
    [out, cache] = [path.join(root, "out"), path.join(root, "cache")];
    // Dozens of small blobs with exact and near duplicates across them, in both layouts:
    // several small synthetic corpora side by side.
    for (let part = 0; part < 12; part++) {
      const generated = path.join(root, "generated", `part-${part}`);
      await generateCorpus(RAW, generated, 6 * 1024 + part * 1024);
      await cp(generated, path.join(rawDir, `part-${part}`), { recursive: true });
    }
  });

  it("writes the same bytes with one worker thread and one partition as with several", async () => {
    const serial = await buildInto(out, cache, { threads: 1, partitions: 1 });
    const parallel = await buildInto(path.join(root, "parallel"), path.join(root, "cache-parallel"), { threads: 2, partitions: 3 });
    expect(serial.blobs).toBeGreaterThan(10);
    expect(serial.paragraphs).toBeLessThan(serial.occurrences);
    expect(parallel.blobsAnalysed).toBe(parallel.blobs);
    expectSameBytes(path.join(root, "parallel"), out);
  });

  it("after one blob changes, reanalyses only that blob and writes what a clean build writes", async () => {
    const changed = "part-3/blob-00000.txt";
    appendFileSync(path.join(rawDir, changed), "Charlotte verliebt sich in ihren Scheidungsanwalt Harry.\n");

    const rebuilt = await buildInto(out, cache);
    expect(rebuilt.blobsAnalysed).toBe(1);
    expect(rebuilt.upToDate).toBe(false);
    await buildInto(path.join(root, "clean"), path.join(root, "cache-clean"));
    expectSameBytes(out, path.join(root, "clean"));
  });

  it("skips a rebuild whose inputs and versions are unchanged, unless an output was altered", async () => {
    const before = readAllBytes(out);
    const again = await buildInto(out, cache);
    expect(again).toMatchObject({ upToDate: true, blobsAnalysed: 0 });
    expect(again.paragraphs).toBe(readCsvRows(path.join(out, "paragraphs.csv"), new Set()).length);

    writeFileSync(path.join(out, "paragraphs.csv"), "tampered\n");
    const repaired = await buildInto(out, cache);
    expect(repaired).toMatchObject({ upToDate: false, blobsAnalysed: 0 });
    for (const [name, bytes] of Object.entries(before)) expect(readFileSync(path.join(out, name)).equals(bytes), name).toBe(true);
  });
});

describe("the default number of partitions", () => {
  it("is one per 64 MiB of RAW, at least one locally and four on Slurm, at most MAX_PARTITIONS", () => {
    const MiB = 1024 ** 2;
    expect([0, 64 * MiB, 64 * MiB + 1, 1024 * MiB].map((bytes) => defaultPartitions(bytes, "local"))).toEqual([1, 1, 2, 16]);
    expect([0, 10 * MiB, 1024 * MiB].map((bytes) => defaultPartitions(bytes, "slurm"))).toEqual([4, 4, 16]);
    expect(defaultPartitions(1024 ** 4, "local")).toBe(4096);
  });

  it("counts only files that can be blobs: a larger one is rejected unread", () => {
    expect(blobBytes([MAX_BLOB_BYTES + 1, 5, MAX_BLOB_BYTES])).toBe(MAX_BLOB_BYTES + 5);
    expect(defaultPartitions(blobBytes([MAX_BLOB_BYTES + 1, 5]), "local")).toBe(1);
  });
});

describe("the default number of worker threads", () => {
  it("is one per core, but at most one per MiB of blobs: a worker's start costs more than a small RAW's analysis", () => {
    const MiB = 1024 ** 2;
    expect([0, 1, MiB, MiB + 1, 3 * MiB, 100 * MiB].map((bytes) => defaultThreads(bytes, 4))).toEqual([1, 1, 1, 2, 3, 4]);
    expect(defaultThreads(100 * MiB, 1)).toBe(1);
  });
});
