/**
 * Why a figure misses its target, keyed "case::metric prefix". Written by hand
 * after looking at a run; BENCHMARKS.md quotes the entry beside each miss.
 */
export const WHY: Record<string, string> = {};
