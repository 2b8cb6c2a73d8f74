import type { z } from "zod";
import { countLines, firstInvalidUtf8Offset } from "../ingest/ingest.js";
import { PipelineError } from "../validate.js";

/**
 * A JSON file a person edits (the episode catalog), read against its schema. Whatever is wrong
 * with it stops the build with one line that names the file and the line and column (bad
 * JSON) or the field (a schema violation), and says what to do.
 */
export function parseJsonFile<T>(bytes: Uint8Array, file: string, schema: z.ZodType<T>): T {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8Offset(bytes);
    const byte = bytes[offset]!.toString(16).toUpperCase().padStart(2, "0");
    throw new PipelineError(`${file} line ${countLines(bytes.subarray(0, offset + 1))}: not valid UTF-8 (byte 0x${byte} at offset ${offset}); re-save it as UTF-8.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const { line, column } = lineAndColumn(text, jsonErrorOffset(text, message));
    // V8 quotes the text around the error, line breaks and all: the position says it on one line.
    const what = message.replace(/ in JSON at position \d+.*$/s, "").replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, "");
    throw new PipelineError(`${file} line ${line}, column ${column}: not valid JSON (${what}); fix the syntax there.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(the whole file)";
    throw new PipelineError(`${file}, field ${field}: ${issue.message.replace(/\s+/g, " ")}; fix that field.`);
  }
  return parsed.data;
}

/**
 * Where JSON.parse failed: the offset V8 names; the end of the text when it ended too soon;
 * otherwise ("Unexpected token", which names no offset) the end of the shortest prefix that
 * fails for a reason other than ending too soon. Prefixes before the error fail only by ending
 * too soon and those past it fail at it, so a binary search finds it.
 */
function jsonErrorOffset(text: string, message: string): number {
  const named = /at position (\d+)/.exec(message);
  if (named) return Number(named[1]);
  if (message.includes("end of JSON input")) return text.length;
  let [fine, failing] = [0, text.length];
  while (failing - fine > 1) {
    const middle = Math.floor((fine + failing) / 2);
    if (failsBeforeItsEnd(text.slice(0, middle))) failing = middle;
    else fine = middle;
  }
  return failing - 1;
}

function failsBeforeItsEnd(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    const named = /at position (\d+)/.exec(message);
    if (named) return Number(named[1]) < prefix.length && !message.startsWith("Unterminated string");
    return !message.includes("end of JSON input");
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}
