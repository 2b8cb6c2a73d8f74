import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { builtSeeds } from "../build.js";

const CHROMIUM = "/usr/bin/chromium";
// CI installs Debian's chromium (.ci/run); on a machine without it only the browser check is skipped.
const browserAvailable = existsSync(CHROMIUM) || process.env.CI === "true";

let out: string;
let html: string;

beforeAll(async () => {
  out = await builtSeeds();
  html = readFileSync(path.join(out, "report.html"), "utf8");
});

describe("report.html", () => {
  it("is self-contained: no scripts, no external resources", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain("<svg");
  });

  it("shows the stage counts, languages, coverage matrix, score distributions and links to review", () => {
    for (const heading of ["Rows through the stages", "Languages", "Coverage: episodes × languages", "Score distributions", "How far to trust the episode links", "Weakest episode links, to review", "Rejected input"]) {
      expect(html).toContain(`<h2>${heading}</h2>`);
    }
    expect(html).toContain("<td>distinct paragraphs (after exact dedup)</td><td>99</td>");
    expect(html).toMatch(/<title>S06E18 el: \d+<\/title>/);
  });

  it.skipIf(!browserAvailable)("renders in headless Chromium without console errors", async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("request", (request) => {
        if (!request.url().startsWith("file:")) problems.push(`network request: ${request.url()}`);
      });
      await page.goto(`file://${path.join(out, "report.html")}`);
      const screenshot = path.join(await mkdtemp(path.join(os.tmpdir(), "satc-report-")), "report.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(problems).toEqual([]);
      expect(await page.locator("svg").count()).toBeGreaterThanOrEqual(4);
      expect(readFileSync(screenshot).length).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
