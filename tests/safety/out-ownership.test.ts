import { cp, lstat, mkdir, readdir, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUILD_MARKER, BUILD_MARKER_TEXT, checkOwnership, resolvePlaces } from "../../pipeline/places.js";
import { build, builtProject, project, tree } from "./fixtures.js";

/** Resolves and checks the places as a build does before it touches anything. */
async function check(options: { rawDir: string; outDir: string; cacheDir?: string }): Promise<void> {
  await checkOwnership(await resolvePlaces(options), options.outDir);
}

/** The build is refused with a message matching `reason`, and nothing under `root` changed. */
async function expectRefused(root: string, options: { rawDir: string; outDir: string; cacheDir?: string }, reason: RegExp): Promise<void> {
  const before = await tree(root);
  await expect(build(options)).rejects.toThrow(reason);
  expect(await tree(root)).toEqual(before);
}

describe("OUT is only replaced when it is empty or a previous build", () => {
  it("[11.1a] refuses an OUT that holds files it did not write, and touches nothing", async () => {
    const { root, raw, out } = await project();
    await mkdir(path.join(out, "my-files"), { recursive: true });
    await writeFile(path.join(out, "thesis.tex"), "\\documentclass{article}\n");
    await writeFile(path.join(out, "my-files", "notes.txt"), "mine\n");
    await expectRefused(root, { rawDir: raw, outDir: out }, /OUT .*out holds files \(my-files, thesis\.tex\) but no manifest\.json of a build.*empty or new folder/);
  });

  it("[11.1b] refuses RAW and OUT being one folder, and keeps the blobs", async () => {
    const { root, raw } = await project();
    await expectRefused(root, { rawDir: raw, outDir: raw }, /RAW .* is the same folder as OUT .*separate folders/);
  });

  it("[11.1c] refuses an OUT that contains RAW (RAW=proj/raw OUT=proj)", async () => {
    const { root, raw } = await project();
    await expectRefused(root, { rawDir: raw, outDir: root }, /RAW .* is inside OUT/);
  });

  it("[11.1d] refuses an empty OUT (an unset variable) and OUT=. (the checkout, .git included)", async () => {
    const { root, raw } = await project();
    await expectRefused(root, { rawDir: raw, outDir: "" }, /OUT is empty \(an unset variable\?\); pass OUT=/);
    await expect(check({ rawDir: "raw", outDir: "." })).rejects.toThrow(/RAW raw is inside OUT \./);
    // Even with RAW elsewhere, the checkout is not a build.
    await expect(check({ rawDir: raw, outDir: "." })).rejects.toThrow(/OUT \. holds files .* but no manifest\.json/);
  });

  it("[11.1e] refuses a regular file at OUT and leaves it as it is", async () => {
    const { root, raw, out } = await project();
    await writeFile(out, "a file, not a folder\n");
    await expectRefused(root, { rawDir: raw, outDir: out }, /OUT .*out is a file, not a folder, and the build never replaces a file/);
  });

  it("[11.1f] refuses a .OUT.previous or .OUT.staging it did not make: never deletes it nor renames it into OUT", async () => {
    for (const leftover of [".out.previous", ".out.staging"]) {
      const { root, raw } = await project();
      await mkdir(path.join(root, leftover));
      await writeFile(path.join(root, leftover, "precious.txt"), "mine\n");
      // With OUT absent, a previous folder used to be renamed into OUT.
      await expectRefused(root, { rawDir: raw, outDir: path.join(root, "out") }, new RegExp(`${leftover.replace(".", "\\.")} is in the place of the build.s .* \\(no \\.satc-build`));
    }
  });

  it("[11.1g] follows a symlinked OUT: its target gets the outputs and the link stays a link", async () => {
    const { root, raw } = await project();
    await mkdir(path.join(root, "disk", "real-out"), { recursive: true });
    await symlink(path.join(root, "disk", "real-out"), path.join(root, "out"));
    await build({ rawDir: raw, outDir: path.join(root, "out") });
    await build({ rawDir: raw, outDir: path.join(root, "out"), strict: true }); // up to date through the link
    expect((await lstat(path.join(root, "out"))).isSymbolicLink()).toBe(true);
    expect(await readdir(path.join(root, "disk", "real-out"))).toContain("manifest.json");
    // A link to nothing is refused, not replaced.
    await symlink(path.join(root, "nowhere"), path.join(root, "dangling"));
    await expectRefused(root, { rawDir: raw, outDir: path.join(root, "dangling") }, /is a symbolic link to .*nowhere, which does not exist/);
  });

  it("[11.1h] refuses a previous build to which the user added a file, naming the file", async () => {
    const { root, raw, out } = await builtProject();
    await writeFile(path.join(out, "my-analysis.ipynb"), "{}\n");
    await expectRefused(root, { rawDir: raw, outDir: out }, /is a previous build but also holds my-analysis\.ipynb, which no build wrote/);
  });

  it("[11.1i] treats an OUT holding only .gitkeep as empty, and keeps the .gitkeep", async () => {
    const { raw, out } = await project();
    await mkdir(out);
    await writeFile(path.join(out, ".gitkeep"), "");
    await build({ rawDir: raw, outDir: out });
    expect(await readdir(out)).toEqual(expect.arrayContaining([".gitkeep", "manifest.json", BUILD_MARKER]));
  });

  it("[11.1j] refuses RAW, OUT or CACHE nested through `..` or a symbolic link", async () => {
    const { root, raw } = await project();
    await symlink(raw, path.join(root, "raw-link"));
    await expect(check({ rawDir: raw, outDir: path.join(root, "raw-link", "out") })).rejects.toThrow(/RAW .* contains OUT /);
    await expect(check({ rawDir: path.join(root, "raw", "..", "raw"), outDir: path.join(root, "raw-link") })).rejects.toThrow(/is the same folder as OUT/);
    await expect(check({ rawDir: raw, outDir: path.join(root, "out"), cacheDir: path.join(root, "out") })).rejects.toThrow(/OUT .* is the same folder as CACHE/);
    // Separate folders pass, resolved to real paths.
    const places = await resolvePlaces({ rawDir: path.join(root, "raw-link"), outDir: path.join(root, "out") });
    expect(places.raw).toBe(await realpath(raw));
  });

  it("[11.1k] replaces a previous build (marked or from before markers) and leaves nothing beside OUT", async () => {
    const { root, raw, out } = await builtProject();
    const first = await readFile(path.join(out, "manifest.json"), "utf8");
    await writeFile(path.join(raw, "c.txt"), "Aidan baut Möbel.\n");
    // An OUT written before markers existed has none; its manifest is what counts.
    await cp(out, path.join(root, "unmarked"), { recursive: true });
    await rm(path.join(root, "unmarked", BUILD_MARKER));
    await build({ rawDir: raw, outDir: out });
    await build({ rawDir: raw, outDir: path.join(root, "unmarked") });
    expect(await readFile(path.join(out, "manifest.json"), "utf8")).not.toBe(first);
    expect(await readFile(path.join(out, BUILD_MARKER), "utf8")).toBe(BUILD_MARKER_TEXT);
    expect((await readdir(root)).sort()).toEqual([".out.cache", ".unmarked.cache", "out", "raw", "unmarked"]);
  });
});

describe("outputs are never read back as input", () => {
  it("[11.6a] refuses an OUT inside RAW, so a second build cannot take the first one's outputs for blobs", async () => {
    const { root, raw } = await project();
    await expectRefused(root, { rawDir: raw, outDir: path.join(raw, "out") }, /RAW .*raw contains OUT .*raw\/out .*a build would read its own outputs/);
    await expectRefused(root, { rawDir: raw, outDir: path.join(root, "out"), cacheDir: path.join(raw, ".cache") }, /RAW .* contains CACHE/);
  });
});
