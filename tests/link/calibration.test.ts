import { describe, expect, it } from "vitest";
import { fitLogistic, loadCalibration, probability, SIGNALS, type Signals } from "../../pipeline/link/calibration.js";

const signals = (evidence: number, facts: number): Signals => ({ bias: 1, evidence, margin: evidence, facts, named: 0, framing: 0, context: 0, rivals: 0 });

describe("calibration", () => {
  it("fits probabilities that follow the labels, the same every time", () => {
    // Right links have more facts; the fit must find that.
    const examples = Array.from({ length: 200 }, (_, i) => ({ signals: signals(i % 10, i % 4), right: i % 4 >= 2 || i % 10 > 7 }));
    const coefficients = fitLogistic(examples);
    expect(fitLogistic(examples)).toEqual(coefficients);
    const calibration = { signals: [...SIGNALS], coefficients, threshold: 0.5, fittedOn: "test" };
    expect(probability(calibration, signals(5, 3))).toBeGreaterThan(0.8);
    expect(probability(calibration, signals(5, 0))).toBeLessThan(0.5);
  });

  it("stays finite when the examples can be separated perfectly", () => {
    const examples = Array.from({ length: 50 }, (_, i) => ({ signals: signals(i, i % 2), right: i % 2 === 1 }));
    for (const c of fitLogistic(examples)) expect(Number.isFinite(c)).toBe(true);
  });

  it("loads the committed calibration, fitted on the development set", () => {
    const calibration = loadCalibration();
    expect(calibration.signals).toEqual([...SIGNALS]);
    expect(calibration.threshold).toBeGreaterThanOrEqual(0.5);
  });
});
