import { open } from "node:fs/promises";
import { CacheEntryWriter } from "../../pipeline/cache.js";
import { serveTasks } from "../../pipeline/serve-tasks.js";

/** A worker whose task writes a cache entry to a full disk (/dev/full): for tests/safety/cli-errors.test.ts. */
export default serveTasks(async () => {
  const entry = new CacheEntryWriter(await open("/dev/full", "w"), "/dev/full", "/dev/null");
  await entry.append([{ lineStart: 1, lineEnd: 1, byteStart: 0, byteEnd: 1, paragraphId: "a".repeat(16) }]);
});
