/** A seedable pseudo-random source (mulberry32), so fault injection is reproducible in tests. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** True with probability `share` (0..1); never draws when `share` is 0 or absent. */
  chance(share: number | undefined): boolean;
  /** An integer in [0, max). */
  int(max: number): number;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (share) => share !== undefined && share > 0 && (share >= 1 || next() < share),
    int: (max) => Math.floor(next() * max),
  };
}
