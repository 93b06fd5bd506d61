/** A deterministic pseudo-random source: same seed, same sequence, on every platform. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  integer(min: number, max: number): number;
  /** Standard normal (mean 0, variance 1). */
  normal(): number;
  /** Gamma-distributed with the given shape and scale (mean = shape · scale). */
  gamma(shape: number, scale: number): number;
}

/** Creates a seeded PRNG (sfc32 seeded through splitmix32), good enough for load shapes, not for secrets. */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const splitmix = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();

  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4_294_967_296;
  };
  // Discard the first outputs: sfc32 is weakly mixed right after seeding.
  for (let index = 0; index < 12; index++) next();

  let spareNormal: number | undefined;
  const normal = (): number => {
    if (spareNormal !== undefined) {
      const value = spareNormal;
      spareNormal = undefined;
      return value;
    }
    // Box-Muller; 1 - next() keeps the logarithm's argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  const standardGamma = (shape: number): number => {
    if (shape < 1) {
      // Boost: Gamma(k) = Gamma(k + 1) · U^(1/k) keeps Marsaglia-Tsang valid below 1.
      return standardGamma(shape + 1) * Math.pow(1 - next(), 1 / shape);
    }
    // Marsaglia & Tsang (2000), "A simple method for generating gamma variables".
    const d3 = shape - 1 / 3;
    const c3 = 1 / Math.sqrt(9 * d3);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c3 * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - next();
      if (u < 1 - 0.0331 * x * x * x * x) return d3 * v;
      if (Math.log(u) < 0.5 * x * x + d3 * (1 - v + Math.log(v))) return d3 * v;
    }
  };

  return {
    next,
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal,
    gamma: (shape, scale) => {
      if (!(shape > 0) || !(scale > 0)) throw new RangeError(`gamma needs shape > 0 and scale > 0 (got ${shape}, ${scale})`);
      return standardGamma(shape) * scale;
    },
  };
}
