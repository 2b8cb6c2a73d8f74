import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUILD_MARKER } from "../../pipeline/places.js";
import { build, builtProject, project, tree } from "../safety/fixtures.js";

/**
 * Every completion marker in WORK ("stage/rank") with its text: the counts and seconds of the run
 * that wrote it. Synchronous, to be read from inside a build's hook.
 */
function markers(work: string): Record<string, string> {
  const folder = path.join(work, "completions");
  const found: Record<string, string> = {};
  for (const stage of readdirSync(folder)) {
    for (const rank of readdirSync(path.join(folder, stage))) found[`${stage}/${rank}`] = readFileSync(path.join(folder, stage, rank), "utf8");
  }
  return found;
}

/** A fault in the last task (publish): its linking step throws. */
const faultInPublish = () => {
  throw new Error("fault injected while linking");
};

describe("WORK, the folder the build's tasks share", () => {
  it("is refused when it overlaps RAW, OUT or CACHE, or holds files no build made, and nothing is touched", async () => {
    const { root, raw, out } = await project();
    await mkdir(out);
    await mkdir(path.join(root, "cache"));
    const before = await tree(root);
    await expect(build({ rawDir: raw, outDir: out, workDir: raw })).rejects.toThrow(/^WORK .* is the same folder as RAW/);
    await expect(build({ rawDir: raw, outDir: out, workDir: path.join(out, "work") })).rejects.toThrow(/^WORK .* is inside OUT/);
    await expect(build({ rawDir: raw, outDir: out, workDir: path.join(root, "cache", "work"), cacheDir: path.join(root, "cache") })).rejects.toThrow(/^WORK .* is inside CACHE/);
    await mkdir(path.join(root, "mine"));
    await writeFile(path.join(root, "mine", "notes.txt"), "mine\n");
    await expect(build({ rawDir: raw, outDir: out, workDir: path.join(root, "mine") })).rejects.toThrow(
      /^WORK .*mine holds files but was not made by a build \(no \.satc-build in it\).*Nothing was changed\.$/,
    );
    expect(await tree(root)).toEqual({ ...before, mine: "folder", "mine/notes.txt": expect.any(String) });
  });

  it("after a failed task, a rerun resumes: completed tasks are not run again and the outputs equal a build that never failed", async () => {
    const { root, raw } = await project();
    const work = path.join(root, "work");
    await expect(build({ rawDir: raw, outDir: path.join(root, "out"), workDir: work, observeAssessment: faultInPublish })).rejects.toThrow("fault injected while linking");
    const completed = markers(work);
    expect(Object.keys(completed)).toContain("blobs/00000");
    expect(Object.keys(completed)).not.toContain("publish/00000");
    expect(await readdir(root)).not.toContain("out");

    const lines: string[] = [];
    let seenByPublish: Record<string, string> | undefined;
    const lookFromPublish = () => void (seenByPublish ??= markers(work));
    await build({ rawDir: raw, outDir: path.join(root, "out"), workDir: work, log: (line) => lines.push(line), observeAssessment: lookFromPublish });
    expect(lines).toContain(`WORK ${work} holds this build, prepared before: resuming, completed tasks are skipped`);
    // While the last task ran, every marker of the first run was as it had been written: those tasks did not run again.
    expect(seenByPublish).toEqual(completed);
    // A finished build clears what its tasks left in WORK, keeping the folder's marker.
    expect(await readdir(work)).toEqual([BUILD_MARKER]);

    const { out: fresh } = await builtProject();
    for (const name of await readdir(fresh)) {
      expect(await readFile(path.join(root, "out", name)), name).toEqual(await readFile(path.join(fresh, name)));
    }
  });

  it("does not resume when a file of RAW changed since the failed build, even at the same size", async () => {
    const { root, raw } = await project();
    const work = path.join(root, "work");
    await expect(build({ rawDir: raw, outDir: path.join(root, "out"), workDir: work, observeAssessment: faultInPublish })).rejects.toThrow();
    const text = await readFile(path.join(raw, "a.txt"), "utf8");
    await writeFile(path.join(raw, "a.txt"), text.replace("Carrie", "Karrie"));
    await utimes(path.join(raw, "a.txt"), new Date(2001, 0, 1), new Date(2001, 0, 1));
    const lines: string[] = [];
    await build({ rawDir: raw, outDir: path.join(root, "out"), workDir: work, log: (line) => lines.push(line) });
    expect(lines.some((line) => line.includes("resuming"))).toBe(false);
    expect(await readFile(path.join(root, "out", "paragraphs.csv"), "utf8")).toContain("Karrie Bradshaw");
  });
});
