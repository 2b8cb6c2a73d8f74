import { DuckDBInstance } from "@duckdb/node-api";
import { isNearDuplicate } from "./pipeline/analyze/neardup.js";
const D = "/tmp/exp1g/run2";
const db = await DuckDBInstance.create(":memory:", { threads: "2", memory_limit: "3GB" });
const c = await db.connect();
await c.run(`CREATE VIEW candidate AS SELECT * FROM read_parquet('${D}/candidate/*.parquet')`);
await c.run(`CREATE VIEW verified AS SELECT * FROM read_parquet('${D}/verified/*.parquet')`);
await c.run(`CREATE VIEW feature AS SELECT * FROM read_parquet('${D}/feature/*.parquet')`);
const mod = Number(process.argv[2] ?? 97);
const sql = `SELECT c.a, c.b, v.a IS NOT NULL AS twin, fa.characters ca, fa.shingles sa, fa.words wa, fb.characters cb, fb.shingles sb, fb.words wb
  FROM candidate c JOIN feature fa ON fa.rank = c.a JOIN feature fb ON fb.rank = c.b LEFT JOIN verified v ON v.a = c.a AND v.b = c.b
  WHERE (c.a * 7 + c.b) % ${mod} = 0`;
const result = await c.stream(sql);
const u32 = (b: any) => { const x: Uint8Array = b instanceof Uint8Array ? b : b.bytes; if (!(x instanceof Uint8Array)) throw new Error("type " + Object.prototype.toString.call(b)); return new Uint32Array(Uint8Array.from(x).buffer); };
let n = 0, wrong = 0, nt = 0, nv = 0; const bad: any[] = [];
for await (const rows of result.yieldRowObjectJs()) for (const r of rows as any[]) {
  n++;
  const f = (ch: number, s: any, w: any) => ({ characters: ch, shingles: u32(s), words: u32(w) });
  const truth = isNearDuplicate(f(r.ca, r.sa, r.wa), f(r.cb, r.sb, r.wb));
  if (truth) nt++; if (r.twin) nv++;
  if (truth !== r.twin) { wrong++; bad.push([r.a, r.b, r.twin]); }
}
console.log("checked", n, "wrong", wrong, "truth", nt, "verified", nv); console.log(JSON.stringify(bad.slice(0, 30)));
