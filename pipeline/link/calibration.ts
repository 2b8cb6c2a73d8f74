import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * Turns a candidate's evidence into the probability that linking it is right: a logistic model
 * over a few numbers that say how strong and how corroborated the evidence is, fitted on a
 * labelled development set (tools/calibrate.ts) and checked on a blind one. The link threshold
 * is chosen for precision on the same development set.
 */

/** The numbers the model reads, in this order. */
export const SIGNALS = ["bias", "evidence", "margin", "facts", "named", "framing", "context", "rivals"] as const;
export type Signals = Record<(typeof SIGNALS)[number], number>;

export const calibrationSchema = z.object({
  signals: z.array(z.string()).refine((names) => names.join() === SIGNALS.join(), `signals must be ${SIGNALS.join(", ")}`),
  coefficients: z.array(z.number()).length(SIGNALS.length),
  /** The best candidate is linked when its probability is at least this. */
  threshold: z.number().min(0).max(1),
  /** What it was fitted on, for review. */
  fittedOn: z.string(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

export const CALIBRATION_FILE = new URL("./calibration.json", import.meta.url);

export function loadCalibration(file: URL | string = CALIBRATION_FILE): Calibration {
  return calibrationSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

export function vectorOf(signals: Signals): number[] {
  return SIGNALS.map((name) => signals[name]);
}

/** In [0, 1] by construction, also for extreme inputs (signals are capped; a NaN logit counts as no confidence). */
export function probability(calibration: Calibration, signals: Signals): number {
  const logit = vectorOf(signals).reduce((sum, value, i) => sum + value * calibration.coefficients[i]!, 0);
  return Number.isNaN(logit) ? 0 : 1 / (1 + Math.exp(-logit));
}

/**
 * Logistic regression by iteratively reweighted least squares with a ridge penalty (the bias
 * is not penalised), from zero, a fixed number of rounds: the same examples always give the
 * same coefficients.
 */
export function fitLogistic(examples: ReadonlyArray<{ signals: Signals; right: boolean }>, ridge = 1, rounds = 50): number[] {
  const k = SIGNALS.length;
  let beta = new Array<number>(k).fill(0);
  for (let round = 0; round < rounds; round++) {
    const hessian = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j && i > 0 ? ridge : 0)));
    const gradient = beta.map((b, i) => (i > 0 ? -ridge * b : 0));
    for (const { signals, right } of examples) {
      const x = vectorOf(signals);
      const p = 1 / (1 + Math.exp(-x.reduce((sum, value, i) => sum + value * beta[i]!, 0)));
      const w = Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < k; i++) {
        gradient[i]! += ((right ? 1 : 0) - p) * x[i]!;
        for (let j = 0; j < k; j++) hessian[i]![j]! += w * x[i]! * x[j]!;
      }
    }
    const step = solve(hessian, gradient);
    beta = beta.map((b, i) => b + step[i]!);
    if (step.every((s) => Math.abs(s) < 1e-10)) break;
  }
  return beta;
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(m[row]![col]!) > Math.abs(m[pivot]![col]!)) pivot = row;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let row = col + 1; row < n; row++) {
      const factor = m[row]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[row]![c]! -= factor * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let sum = m[row]![n]!;
    for (let c = row + 1; c < n; c++) sum -= m[row]![c]! * x[c]!;
    x[row] = sum / m[row]![row]!;
  }
  return x;
}
