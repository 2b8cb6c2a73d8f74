import { mkdir, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ShardRow } from "../../schemas/shard.js";
import { AnalysisCache, CACHE_TAG } from "../../pipeline/cache/cache.js";
import { build, builtProject, deadPid, project, tempFolder, tree } from "./fixtures.js";

/** Every committed entry file in a cache folder. */
async function entries(cacheDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const shard of (await readdir(cacheDir)).filter((name) => /^[0-9a-f]{2}$/.test(name))) {
    for (const name of await readdir(path.join(cacheDir, shard))) if (name.endsWith(".parquet")) files.push(path.join(cacheDir, shard, name));
  }
  return files.sort();
}

const nothing = { text: null, language: null, languageScore: null, evidence: null, firstPass: null, firstPassScore: null, bandKeys: null, deletionKeys: null, keyCharacters: null, shingles: null, words: null };
const occurrence: ShardRow = { ordinal: 0, lineStart: 1, lineEnd: 1, byteStart: 0, byteEnd: 5, paragraphId: "a".repeat(16), ...nothing };
const record = { blob: { blobSha256: "f".repeat(64), sizeBytes: 5, bomStripped: false }, lineRejects: [] };

async function writeEntry(cache: AnalysisCache, blobSha256: string): Promise<string> {
  const key = cache.keyOf(blobSha256);
  const entry = await cache.create(key);
  await entry.append([occurrence]);
  await entry.commit(record);
  return key;
}

describe("the cache touches only its own folder and entries", () => {
  it("[11.2a] refuses a CACHE folder of the user's (files, subfolders, deeper folders) and deletes nothing", async () => {
    const { root, raw, out } = await project();
    const mine = path.join(root, "documents");
    await mkdir(path.join(mine, "ab", "deeper"), { recursive: true });
    await writeFile(path.join(mine, "tax-return.pdf"), "%PDF\n");
    await writeFile(path.join(mine, "ab", "photo.jpg"), "jpeg\n");
    const before = await tree(root);
    await expect(build({ rawDir: raw, outDir: out, cacheDir: mine })).rejects.toThrow(/CACHE .*documents is not empty and was not made by the build \(no CACHEDIR\.TAG in it\)/);
    expect(await tree(root)).toEqual(before);
  });

  it("[11.2b] refuses CACHE=RAW (and CACHE inside RAW), keeping the blobs", async () => {
    const { root, raw, out } = await project();
    const before = await tree(root);
    await expect(build({ rawDir: raw, outDir: out, cacheDir: raw })).rejects.toThrow(/RAW .* is the same folder as CACHE/);
    await expect(build({ rawDir: raw, outDir: out, cacheDir: path.join(raw, "cache") })).rejects.toThrow(/RAW .* contains CACHE/);
    expect(await tree(root)).toEqual(before);
  });

  it("[11.2c] refuses a tagged cache that holds anything but entries, before OUT is touched", async () => {
    const { root, raw, out } = await builtProject();
    const cacheDir = path.join(root, ".out.cache");
    await mkdir(path.join(cacheDir, "00", "deeper"), { recursive: true });
    await writeFile(path.join(raw, "c.txt"), "Aidan baut Möbel.\n");
    const before = await tree(root);
    await expect(build({ rawDir: raw, outDir: out, cacheDir })).rejects.toThrow(/CACHE .*cache holds .*00\/deeper, which is not a cache entry/);
    expect(await tree(root)).toEqual(before);
  });

  it("[11.2d] makes a new cache folder with its tag, accepts an empty one, and prunes only its own unused entries", async () => {
    const parent = await tempFolder();
    const fresh = await AnalysisCache.openFolder(path.join(parent, "new"), "v1");
    expect(await readdir(fresh.directory)).toEqual([CACHE_TAG]);
    await mkdir(path.join(parent, "empty"));
    const cache = await AnalysisCache.openFolder(path.join(parent, "empty"), "v1");
    const [kept, unused] = [await writeEntry(cache, "1".repeat(64)), await writeEntry(cache, "2".repeat(64))];
    await cache.keepOnly(new Set([kept]));
    expect(await cache.check(kept)).toBe("valid");
    expect(await cache.check(unused)).toBe("missing");
    expect((await readdir(cache.directory)).sort()).toEqual([CACHE_TAG, kept.slice(0, 2)].sort());
    // Reopening the folder it made is accepted.
    await AnalysisCache.openFolder(cache.directory, "v2");
  });

  it("[11.2e] refuses an empty RAW (an unmounted disk) and leaves OUT as it was", async () => {
    const { root, raw, out } = await builtProject();
    await rm(raw, { recursive: true });
    await mkdir(raw);
    const before = await tree(root);
    await expect(build({ rawDir: raw, outDir: out })).rejects.toThrow(/RAW .*raw holds no files \(is its disk mounted\?\); nothing was built and OUT was left as it was/);
    expect(await tree(root)).toEqual(before);
  });
});

describe("a damaged cache entry is never trusted and never fatal", () => {
  it("[11.5a] finds a flipped byte in a cached entry, analyses the blob again, says so in one line and publishes the true text", async () => {
    const { root, raw, out } = await builtProject();
    const cacheDir = path.join(root, ".out.cache");
    // The entry of a.txt, the blob that says "Carrie Bradshaw": one byte in the middle of its Parquet file flipped.
    const damaged = [];
    for (const file of await entries(cacheDir)) {
      const record = JSON.parse(await readFile(file.replace(/\.parquet$/, ".json"), "utf8")) as { blob: { sizeBytes: number } };
      if (record.blob.sizeBytes !== (await readFile(path.join(raw, "a.txt"))).length) continue;
      const bytes = await readFile(file);
      bytes[bytes.length >> 1]! ^= 0x20;
      await writeFile(file, bytes);
      damaged.push(file);
    }
    expect(damaged).toHaveLength(1);
    const lines: string[] = [];
    const again = await build({ rawDir: raw, outDir: path.join(root, "again"), cacheDir, log: (line) => lines.push(line) });
    expect(again.blobsAnalysed).toBe(1);
    expect(lines.filter((line) => line.includes("was damaged"))).toEqual([
      `cache entry ${damaged[0]} was damaged (its Parquet file does not match its checksum); a.txt was analysed again`,
    ]);
    const paragraphs = await readFile(path.join(root, "again", "paragraphs.csv"), "utf8");
    expect(paragraphs).toContain("Carrie Bradshaw");
    expect(paragraphs).not.toContain("Karrie");
    expect(paragraphs).toBe(await readFile(path.join(out, "paragraphs.csv"), "utf8"));
  });

  it("[11.5b] reports zero-byte, truncated and garbled entries as damaged, and a build over them succeeds", async () => {
    const cache = await AnalysisCache.openFolder(path.join(await tempFolder(), "cache"), "v1");
    const key = await writeEntry(cache, "3".repeat(64));
    const [file, recordFile] = [cache.entryPath(key), cache.recordPath(key)];
    const whole = await readFile(file);
    await writeFile(file, whole.subarray(0, whole.length - 10));
    expect(await cache.check(key)).toEqual({ damaged: "its Parquet file does not match its checksum" });
    await truncate(file, 0);
    expect(await cache.check(key)).toEqual({ damaged: "its Parquet file does not match its checksum" });
    await rm(file);
    expect(await cache.check(key)).toEqual({ damaged: "its Parquet file is missing" });
    await writeFile(recordFile, "garbage");
    expect(await cache.check(key)).toEqual({ damaged: "its record is not a cache record" });
    await truncate(recordFile, 0);
    expect(await cache.check(key)).toEqual({ damaged: "its record is not a cache record" });

    const { root, raw } = await builtProject();
    const cacheDir = path.join(root, ".out.cache");
    for (const entry of await entries(cacheDir)) await truncate(entry, 0);
    const lines: string[] = [];
    const rebuilt = await build({ rawDir: raw, outDir: path.join(root, "again"), cacheDir, log: (line) => lines.push(line) });
    expect(rebuilt.blobsAnalysed).toBe(2);
    expect(lines.filter((line) => line.includes("was damaged (its Parquet file does not match its checksum)"))).toHaveLength(2);
  });

  it("[11.5c] writes an entry under a temporary name and renames it when complete; half-written entries of gone processes are removed, others kept", async () => {
    const cache = await AnalysisCache.openFolder(path.join(await tempFolder(), "cache"), "v1");
    const key = cache.keyOf("4".repeat(64));
    const entry = await cache.create(key);
    await entry.append([occurrence]);
    const shard = path.dirname(cache.entryPath(key));
    expect(await readdir(shard)).toEqual([expect.stringMatching(new RegExp(`^${key}\\.${process.pid}-\\d+\\.tmp\\.parquet$`))]);
    expect(await cache.check(key)).toBe("missing");
    await entry.commit(record);
    expect((await readdir(shard)).sort()).toEqual([`${key}.json`, `${key}.parquet`]);

    const [gone, alive] = [`${key}.${deadPid()}-1.tmp.parquet`, `${key}.${process.ppid}-1.tmp.json`];
    await writeFile(path.join(shard, gone), "half");
    await writeFile(path.join(shard, alive), "half");
    // A task clears only its own; the build, at its start, those of processes that are gone too.
    await cache.clearTemporaryEntries("own");
    expect((await readdir(shard)).sort()).toEqual([`${key}.json`, `${key}.parquet`, alive, gone].sort());
    await cache.clearTemporaryEntries("own-and-dead");
    expect((await readdir(shard)).sort()).toEqual([`${key}.json`, `${key}.parquet`, alive].sort());
  });
});
