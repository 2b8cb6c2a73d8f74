import { fileURLToPath } from "node:url";

/**
 * How a new thread or process runs the source module `source`: the source with tsx
 * registered (a worker thread does not inherit its parent's loader hooks, and vitest's are
 * not Node's).
 */
export function runnable(source: URL): { file: string; execArgv: string[] } {
  // `--import tsx` would register tsx's ESM hooks in the main thread only; its API registers them in a worker thread too.
  const registerTsx = `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register();`;
  return { file: fileURLToPath(source), execArgv: ["--import", `data:text/javascript,${encodeURIComponent(registerTsx)}`] };
}
