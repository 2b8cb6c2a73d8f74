// Worker threads start here: they get no TypeScript loader from the parent, so this plain
// module registers tsx and then loads the TypeScript module named in workerData.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.module);
