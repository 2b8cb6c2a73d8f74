import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Whether a Slurm cluster takes jobs here, for the tests that need one: they run when `sinfo`
 * finds a node that takes jobs (make cluster-up starts one on this machine); make test-cluster
 * runs them with REQUIRE_CLUSTER=1, which turns a missing cluster into a failure instead of a skip.
 */
export function findCluster(): { up: boolean; why: string } {
  const found = (probed ??= probeCluster());
  if (!found.up && process.env.REQUIRE_CLUSTER === "1") throw new Error(`REQUIRE_CLUSTER=1 but ${found.why}`);
  if (!found.up) console.warn(`Slurm cluster tests skipped: ${found.why}; make test-cluster brings a cluster up and runs them`);
  return found;
}

/** Once per test process: the test files share it (vitest.config.ts). */
let probed: { up: boolean; why: string } | undefined;

/**
 * sinfo keeps trying a controller that does not answer for its MessageTimeout, 10 s by default,
 * which a configured but stopped cluster costs every test run: make test gives up sooner.
 */
const SINFO_TIMEOUT_MS = process.env.REQUIRE_CLUSTER === "1" ? 15_000 : 3_000;

function probeCluster(): { up: boolean; why: string } {
  // Without a configuration Slurm's commands would look for a controller in DNS: never ask the network.
  const conf = process.env.SLURM_CONF ?? "/etc/slurm/slurm.conf";
  if (!existsSync(conf)) return { up: false, why: `there is no Slurm configuration (${conf})` };
  const sinfo = spawnSync("sinfo", ["--noheader", "--Node", "--format=%T"], { encoding: "utf8", timeout: SINFO_TIMEOUT_MS });
  const code = (sinfo.error as NodeJS.ErrnoException | undefined)?.code;
  if (code) return { up: false, why: code === "ENOENT" ? "Slurm's commands are not installed (no sinfo)" : `sinfo did not answer (${code})` };
  if (sinfo.status !== 0) return { up: false, why: `no Slurm cluster answers (sinfo: ${sinfo.stderr.trim().split("\n")[0]})` };
  if (!/^(idle|mixed|allocated)/m.test(sinfo.stdout)) return { up: false, why: `no node of the Slurm cluster takes jobs (sinfo: ${sinfo.stdout.trim() || "no nodes"})` };
  return { up: true, why: "" };
}
