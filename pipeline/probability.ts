/**
 * A probability as the output columns hold it (language_score, episode_score and
 * episode_runner_up_score): rounded to 4 decimals and inside [0, 1] whatever the arithmetic
 * before it gave, so that no paragraph can fail the schema with a score a rounding error
 * out of range. fastText's hierarchical softmax multiplies table-approximated sigmoids and
 * returns up to about 1.0001 for very confident predictions (Korean and Japanese text do).
 * NaN, which no caller should produce, counts as no confidence at all.
 */
export function roundedProbability(value: number): number {
  if (!(value > 0)) return 0;
  if (value >= 1) return 1;
  return Math.round(value * 1e4) / 1e4;
}
