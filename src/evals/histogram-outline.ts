/**
 * A histogram as a step outline for a line plot (plot-svg draws lines, not bars): the fraction of `values` in each of
 * `bins` equal bins over [min, max], the last bin closed on the right.
 */
export function histogramOutline(values: readonly number[], bins: number, min: number, max: number): Array<[number, number]> {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer (got ${bins})`);
  if (!(max > min)) throw new RangeError(`histogram range must have max > min (got ${min}, ${max})`);
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (const value of values) {
    if (!(value >= min && value <= max)) continue;
    const bin = Math.min(bins - 1, Math.floor((value - min) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const total = values.length === 0 ? 1 : values.length;
  const points: Array<[number, number]> = [[min, 0]];
  counts.forEach((count, bin) => {
    const left = min + bin * width;
    points.push([left, count / total], [left + width, count / total]);
  });
  points.push([max, 0]);
  return points;
}
