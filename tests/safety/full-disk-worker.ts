import { open } from "node:fs/promises";
import { serveTasks } from "../../pipeline/runtime/serve-tasks.js";

/** A worker whose task writes to a full disk (/dev/full), naming the file as the build's writers do: for tests/safety/cli-errors.test.ts. */
export default serveTasks(async () => {
  const handle = await open("/dev/full", "w");
  try {
    await handle.write(Buffer.alloc(1 << 16));
  } catch (error) {
    throw Object.assign(error as Error, { path: "/dev/full" });
  } finally {
    await handle.close();
  }
});
