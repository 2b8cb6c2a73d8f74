import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openEngine } from "../../pipeline/engine/database.js";
import { paragraphPartition, registerTables, writePart } from "../../pipeline/engine/work.js";
import { tempTree } from "../helpers.js";

const rankTable = z.object({ rank: z.int32(), label: z.string() });

describe("the global phase's tables in WORK", () => {
  it("are parts written by tasks and read back as one view per table, whatever the order they were written in", async () => {
    const work = await tempTree({});
    const engine = await openEngine({ spillFolder: path.join(work, "spill"), threads: 1, memoryLimit: "128MB" });
    try {
      expect(await writePart(engine, work, "numbers", 1, "SELECT 2::INTEGER AS rank, 'two' AS label", rankTable)).toBe(1);
      expect(await writePart(engine, work, "numbers", 0, "SELECT * FROM (VALUES (0::INTEGER, 'zero'), (1::INTEGER, 'one')) t(rank, label)", rankTable)).toBe(2);
      expect(await readdir(path.join(work, "tables", "numbers"))).toEqual(["part-00000.parquet", "part-00001.parquet"]);
      await registerTables(engine, work);
      expect(await engine.all("SELECT rank, label FROM numbers ORDER BY rank")).toEqual([
        { rank: 0, label: "zero" },
        { rank: 1, label: "one" },
        { rank: 2, label: "two" },
      ]);
    } finally {
      engine.close();
    }
  });

  it("refuses a part whose columns drift from the table's schema, and keeps nothing of it", async () => {
    const work = await tempTree({});
    const engine = await openEngine({ spillFolder: path.join(work, "spill"), threads: 1, memoryLimit: "128MB" });
    try {
      await expect(writePart(engine, work, "numbers", 0, "SELECT 1.5 AS rank, 'x' AS label", rankTable)).rejects.toThrow(
        /made numbers \(rank DECIMAL\(2,1\), label VARCHAR\), not what schemas\/engine-tables.ts says \(rank INTEGER, label VARCHAR\)/,
      );
      expect(await readdir(path.join(work, "tables", "numbers"))).toEqual([]);
    } finally {
      engine.close();
    }
  });

  it("partition paragraph ids by their own digits, evenly and the same on every run", async () => {
    const engine = await openEngine({ spillFolder: path.join(await tempTree({}), "spill"), threads: 1, memoryLimit: "128MB" });
    try {
      const rows = await engine.all<{ partition: bigint; ids: bigint }>(
        `SELECT ${paragraphPartition("id", 4)} AS partition, count(*) AS ids
         FROM (SELECT lpad(to_hex(hash(i) >> 1), 16, '0') AS id FROM range(4000) r(i)) GROUP BY ALL ORDER BY partition`,
      );
      expect(rows.map((row) => Number(row.partition))).toEqual([0, 1, 2, 3]);
      for (const row of rows) expect(Number(row.ids)).toBeGreaterThan(850);
      const [{ partition }] = (await engine.all<{ partition: bigint }>(`SELECT ${paragraphPartition("'00000007ffffffff'", 4)} AS partition`)) as [{ partition: bigint }];
      expect(Number(partition)).toBe(3);
    } finally {
      engine.close();
    }
  });
});
