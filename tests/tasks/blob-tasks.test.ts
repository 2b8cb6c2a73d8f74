import { describe, expect, it } from "vitest";
import { BlobWorkers } from "../../pipeline/tasks/blob-tasks.js";

describe("blob worker threads kept across builds", () => {
  it("are one pool per size, replaced when it was closed, and all closed by their owner", async () => {
    const workers = new BlobWorkers();
    const pool = workers.pool(1);
    try {
      expect(workers.pool(1)).toBe(pool);
      // An interrupted or failed build closes the pool it used: the next build gets a new one.
      await pool.close();
      const renewed = workers.pool(1);
      expect(renewed).not.toBe(pool);
      expect(renewed.closed).toBe(false);
      await workers.close();
      expect(renewed.closed).toBe(true);
    } finally {
      await workers.close();
    }
  });
});
