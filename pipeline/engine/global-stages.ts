import os from "node:os";
import path from "node:path";
import { rm } from "node:fs/promises";
import { globalWorkSchema, type GlobalWork } from "../../schemas/work.js";
import { loadLinker } from "../link/linker.js";
import type { TaskHooks, TaskResult, TaskStage } from "../tasks/task-stage.js";
import { readWorkFile, workFiles } from "../tasks/work-files.js";
import { contextPartition } from "./context.js";
import { engineMemoryLimit, openEngine, type Engine } from "./database.js";
import { dedupPartition, rankParagraphs } from "./dedup.js";
import { bucketPairsPartition, candidatesPartition, clusterNearTwins, featuresPartition, verifyPartition } from "./near-duplicates.js";
import { publishOutputs } from "./publish.js";
import { registerShards } from "./shards.js";
import { registerTables } from "./work.js";

/**
 * The global phase as stages of tasks over WORK (pipeline/tasks/plan.ts): each task opens an
 * embedded DuckDB, reads the cache entries and the tables the stages before it wrote, and writes
 * its own part. Partitioned stages split their work by the build's own content ids (paragraph
 * ids, LSH keys, ranks, blob ordinals) modulo the partitions, so the outputs are the same bytes
 * whatever the partitions and wherever the tasks run.
 *
 * 1. `dedup`: exact dedup of a partition of paragraph ids;    2. `rank`: the output order;
 * 3. `buckets`: pairs in a partition of LSH buckets;           4. `candidates`: pairs sharing enough;
 * 5. `features`: verification features, per feature range;   6. `verify`: near twins among a run of candidate blocks;
 * 7. `clusters`: connected components;                          8. `context`: what neighbouring paragraphs lend, per blob;
 * 9. `publish`: decisions, writers, OUT.
 */

interface TaskContext {
  engine: Engine;
  work: string;
  rank: number;
  global: GlobalWork;
  hooks: TaskHooks;
}

interface EngineStage {
  name: string;
  title: string;
  /** One task per partition, or a single task. */
  partitioned: boolean;
  run(task: TaskContext): Promise<TaskResult>;
}

const count = async (engine: Engine, table: string) => Number((await engine.all<{ rows: bigint }>(`SELECT count(*) AS rows FROM ${table}`))[0]!.rows);

const ENGINE_STAGES: readonly EngineStage[] = [
  {
    name: "dedup",
    title: "exact dedup",
    partitioned: true,
    run: async ({ engine, work, rank, global }) => ({ rowsIn: await count(engine, "shard"), rowsOut: await dedupPartition(engine, work, rank, global.partitions) }),
  },
  {
    name: "rank",
    title: "output order",
    partitioned: false,
    run: async ({ engine, work }) => ({ rowsIn: await count(engine, "dedup"), rowsOut: await rankParagraphs(engine, work) }),
  },
  {
    name: "buckets",
    title: "near-dup buckets",
    partitioned: true,
    run: async ({ engine, work, rank, global }) => ({ rowsIn: await count(engine, "paragraph"), rowsOut: await bucketPairsPartition(engine, work, rank, global.partitions) }),
  },
  {
    name: "candidates",
    title: "near-dup candidates",
    partitioned: true,
    run: async ({ engine, work, rank, global }) => ({ rowsIn: await count(engine, "bucket_pair"), rowsOut: await candidatesPartition(engine, work, rank, global.partitions) }),
  },
  {
    name: "features",
    title: "near-dup features",
    partitioned: true,
    run: async ({ engine, work, rank, global }) => ({ rowsIn: await count(engine, "paragraph"), rowsOut: await featuresPartition(engine, work, rank, global.partitions) }),
  },
  {
    name: "verify",
    title: "near-dup verification",
    partitioned: true,
    run: async ({ engine, work, rank, global }) => ({ rowsIn: await count(engine, "candidate"), rowsOut: await verifyPartition(engine, work, rank, global.partitions) }),
  },
  {
    name: "clusters",
    title: "near-dup clusters",
    partitioned: false,
    run: async ({ engine, work }) => ({ rowsIn: await count(engine, "verified"), rowsOut: await clusterNearTwins(engine, work, await count(engine, "paragraph")) }),
  },
  {
    name: "context",
    title: "context from neighbouring paragraphs",
    partitioned: true,
    run: async ({ engine, work, rank, global, hooks }) => ({
      rowsIn: await count(engine, "shard"),
      rowsOut: await contextPartition(engine, work, rank, global.partitions, (hooks.linker ?? (await loadLinker())).index),
    }),
  },
  {
    name: "publish",
    title: "link, validate, write, publish",
    partitioned: false,
    run: async ({ engine, global, hooks }) => {
      const manifest = await publishOutputs({ engine, global, linker: hooks.linker ?? (await loadLinker()), signal: hooks.signal, observeAssessment: hooks.observeAssessment, advance: hooks.advance });
      return { rowsIn: manifest.counts.occurrences, rowsOut: manifest.counts.paragraphs };
    },
  },
];

/** Task `rank` of an engine stage: a fresh embedded DuckDB over the cache entries and the tables in WORK, with the CPUs the task has. */
async function runEngineTask(stage: EngineStage, work: string, rank: number, hooks: TaskHooks): Promise<TaskResult> {
  const global = await readWorkFile(workFiles.global(work), globalWorkSchema);
  if (global.upToDate) return { rowsIn: 0, rowsOut: 0 };
  const folder = path.join(work, "tmp", `${stage.name}-${rank}`);
  await rm(folder, { recursive: true, force: true });
  const engine = await openEngine({ spillFolder: path.join(folder, "spill"), threads: os.availableParallelism(), memoryLimit: engineMemoryLimit() });
  try {
    await registerShards(engine, global.blobs);
    await registerTables(engine, work);
    return await stage.run({ engine, work, rank, global, hooks });
  } finally {
    engine.close();
    await rm(folder, { recursive: true, force: true });
  }
}

/** The global phase's stages as stages of the build. */
export const GLOBAL_STAGES: readonly TaskStage[] = ENGINE_STAGES.map((stage) => ({
  name: stage.name,
  title: stage.title,
  tasks: (build) => (stage.partitioned ? build.partitions : 1),
  run: (work, rank, hooks) => runEngineTask(stage, work, rank, hooks),
}));
