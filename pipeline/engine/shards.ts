import type { GlobalWork } from "../../schemas/work.js";
import { sqlString, type Engine } from "./database.js";

/**
 * The per-blob stage's cache entries, as the global phase sees them: one Parquet file per
 * blob (schemas/shard.ts), numbered in output order (source_file order), under one view.
 */
export type BlobShard = Pick<GlobalWork["blobs"][number], "ordinal" | "sourceFile" | "blobSha256" | "parquetPath">;

/**
 * The view `shard`: every blob's rows with the blob's ordinal, and the table `blob`.
 * An empty set of shards is a view of no rows with the same columns.
 */
export async function registerShards(engine: Engine, shards: readonly BlobShard[]): Promise<void> {
  await engine.run("CREATE TABLE blob (ordinal INTEGER, source_file VARCHAR, blob_sha256 VARCHAR, parquet_path VARCHAR)");
  // In statements of a few thousand rows: a query this long is still far cheaper than the files it names.
  for (let start = 0; start < shards.length; start += 2000) {
    const values = shards
      .slice(start, start + 2000)
      .map((shard) => `(${shard.ordinal}, ${sqlString(shard.sourceFile)}, ${sqlString(shard.blobSha256)}, ${sqlString(shard.parquetPath)})`);
    await engine.run(`INSERT INTO blob VALUES ${values.join(", ")}`);
  }
  if (shards.length === 0) {
    await engine.run(`CREATE VIEW shard AS SELECT NULL::INTEGER AS blob, NULL::INTEGER AS ordinal, NULL::VARCHAR AS paragraph_id WHERE false`);
    return;
  }
  const files = shards.map((shard) => sqlString(shard.parquetPath)).join(", ");
  await engine.run(
    `CREATE VIEW shard AS SELECT blob.ordinal AS blob, rows.* EXCLUDE (filename) FROM read_parquet([${files}], filename = true) rows JOIN blob ON rows.filename = blob.parquet_path`,
  );
}
