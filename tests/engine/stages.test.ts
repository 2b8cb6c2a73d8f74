import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openEngine } from "../../pipeline/engine/database.js";
import { checkTable, runStages } from "../../pipeline/engine/stages.js";
import { Progress } from "../../pipeline/progress.js";
import { contextTable } from "../../schemas/engine-tables.js";
import { tempTree } from "../helpers.js";

describe("global stages", () => {
  it("run in order, each checked against what it reads and makes, with its rows recorded", async () => {
    const engine = await openEngine({ scratchFolder: await tempTree({}), threads: 1, memoryLimit: "128MB" });
    try {
      const progress = new Progress({ log: () => {} });
      await runStages(
        engine,
        [
          { name: "first", reads: [], makes: [{ table: "one", schema: z.object({ rank: z.int32() }) }], run: async (db) => (await db.run("CREATE TABLE one AS SELECT 1::INTEGER AS rank"), { rowsIn: 0, rowsOut: 1 }) },
          { name: "second", reads: ["one"], makes: [], run: async () => ({ rowsIn: 1, rowsOut: 0 }) },
        ],
        progress,
      );
      expect(progress.stages.map(({ name, rowsIn, rowsOut }) => [name, rowsIn, rowsOut])).toEqual([["first", 0, 1], ["second", 1, 0]]);

      const reading = { name: "reads too early", reads: ["missing"], makes: [], run: async () => ({ rowsIn: 0, rowsOut: 0 }) };
      await expect(runStages(engine, [reading], progress)).rejects.toThrow('global stage "reads too early" reads missing, which no stage before it made');
      const wrong = { name: "drifts", reads: [], makes: [{ table: "two", schema: z.object({ rank: z.int32() }) }], run: async () => (await engine.run("CREATE TABLE two AS SELECT 1.5 AS rank"), { rowsIn: 0, rowsOut: 1 }) };
      await expect(runStages(engine, [wrong], progress)).rejects.toThrow(/made two \(rank DECIMAL\(2,1\)\), not what schemas\/tables.ts says \(rank INTEGER\)/);
    } finally {
      engine.close();
    }
  });

  it("compare lists of structs whatever DuckDB quotes in their types", async () => {
    const engine = await openEngine({ scratchFolder: await tempTree({}), threads: 1, memoryLimit: "128MB" });
    try {
      await engine.run("CREATE TABLE context AS SELECT '0123456789abcdef' AS paragraph_id, [{'position': 1::INTEGER, 'bonus': 0.5::DOUBLE}] AS context");
      await checkTable(engine, "context", contextTable, "test");
    } finally {
      engine.close();
    }
  });
});
