/** Equal-width bins over the samples' range, for drawing a distribution (terminal and HTML alike). */

export interface Bin {
  from: number;
  to: number;
  count: number;
}

/** Empty input: no bins. All values equal: one bin. */
export function binValues(values: readonly number[], binCount: number): Bin[] {
  if (values.length === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  if (max === min) return [{ from: min, to: max, count: values.length }];
  const width = (max - min) / binCount;
  const bins: Bin[] = Array.from({ length: binCount }, (_, i) => ({ from: min + i * width, to: min + (i + 1) * width, count: 0 }));
  for (const value of values) {
    const index = Math.min(binCount - 1, Math.floor((value - min) / width));
    (bins[index] as Bin).count += 1;
  }
  return bins;
}
