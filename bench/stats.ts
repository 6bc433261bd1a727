// Statistics shared by the benchmarks: medians of paired per-round differences, with a seeded
// bootstrap interval, so that a run's figures follow from its samples alone.

/** The median (for an even count, the upper of the two middle values). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * A 95% interval for the median of `xs` (paired per-round differences): the 2.5th and 97.5th
 * percentiles of the medians of 2,000 resamples. The resampling is seeded, so a run's figures
 * follow from its samples alone.
 */
export function medianInterval(xs: number[]): [number, number] {
  // Park-Miller: a fixed seed, so the interval follows from the samples alone.
  let seed = 20261202;
  const next = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const medians = Array.from({ length: 2000 }, () => median(xs.map(() => xs[Math.floor(next() * xs.length)])));
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(0.025 * medians.length)], medians[Math.floor(0.975 * medians.length)]];
}
