import path from "node:path";
import { describe, expect, it } from "vitest";
import { openEngine } from "../../pipeline/engine/database.js";
import { tempTree } from "../helpers.js";

describe("the embedded engine", () => {
  it("keeps a stream whole while rows computed from it are appended (DuckDB ends a connection's stream when an appender on it flushes, every 204,800 rows)", async () => {
    const folder = await tempTree({});
    const engine = await openEngine({ spillFolder: path.join(folder, "spill"), threads: 2, memoryLimit: "256MB" });
    try {
      const rows = 300_000;
      await engine.run("CREATE TABLE copied (x INTEGER)");
      const appender = await engine.appender("copied", ["INTEGER"]);
      let streamed = 0;
      for await (const batch of engine.stream<{ x: number }>(`SELECT range::INTEGER AS x FROM range(${rows})`)) {
        for (const { x } of batch) appender.row([x]);
        streamed += batch.length;
      }
      appender.close();
      expect(streamed).toBe(rows);
      expect(await engine.all("SELECT count(*)::INTEGER AS n, sum(x)::BIGINT AS total FROM copied")).toEqual([{ n: rows, total: BigInt((rows * (rows - 1)) / 2) }]);
    } finally {
      engine.close();
    }
  });
});
