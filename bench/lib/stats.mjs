// Small statistics for noisy machines: medians and percentiles, never a single time.

/** The q-quantile (0..1) of numbers, nearest-rank on the sorted copy. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Median, p90, min and max of a series of times, plus how many there were. */
export function summary(values) {
  return { n: values.length, median: median(values), p90: quantile(values, 0.9), min: Math.min(...values), max: Math.max(...values) };
}

export const ms = (n) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : "n/a");
export const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "n/a");
