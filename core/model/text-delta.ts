/**
 * Line edit scripts between two compiled configurations, the delivery delta
 * of /agent/v1/config/delta (#17). Generic over the platforms: a text is its
 * lines (split on "\n", so joining them gives the text back byte for byte),
 * and a delta is a list of hunks, ascending and disjoint, each replacing
 * `delete` lines of the base from line `at` by the lines `insert`.
 *
 * The diff is cheap rather than minimal (linear time apart from one sort):
 * common prefix and suffix, then lines that occur exactly once in both texts
 * as anchors (the longest run of them in the same order, as patience diff
 * takes), and every stretch between two anchors trimmed at both ends and
 * replaced whole. Compiled texts are mostly unique lines (a set's elements, a
 * rule with its comment), so a one-prefix change becomes one hunk of the
 * changed lines. Correctness never depends on the diff's quality: applying
 * the hunks to the base always gives the new text.
 */

export interface LineHunk {
  /** The first replaced line of the base (0-based). */
  at: number;
  /** How many base lines are replaced. */
  delete: number;
  /** The lines that take their place. */
  insert: string[];
}

/** The hunks that turn `base` into `next`. */
export function lineDelta(base: string, next: string): LineHunk[] {
  const a = base.split("\n");
  const b = next.split("\n");
  const hunks: LineHunk[] = [];
  const [start, endA, endB] = trim(a, 0, a.length, b, 0, b.length);
  if (start.a === endA && start.b === endB) return hunks;
  // Anchors: lines unique in both middles, kept in the longest common order.
  const seen = new Map<string, { a: number; b: number; inA: number; inB: number }>();
  for (let i = start.a; i < endA; i++) {
    const s = seen.get(a[i]);
    if (s) s.inA++;
    else seen.set(a[i], { a: i, b: -1, inA: 1, inB: 0 });
  }
  for (let j = start.b; j < endB; j++) {
    const s = seen.get(b[j]);
    if (!s) continue;
    s.inB++;
    s.b = j;
  }
  const pairs: { a: number; b: number }[] = [];
  for (const s of seen.values()) if (s.inA === 1 && s.inB === 1) pairs.push({ a: s.a, b: s.b });
  pairs.sort((x, y) => x.b - y.b);
  let prevA = start.a;
  let prevB = start.b;
  for (const anchor of increasingRun(pairs)) {
    replace(a, prevA, anchor.a, b, prevB, anchor.b, hunks);
    prevA = anchor.a + 1;
    prevB = anchor.b + 1;
  }
  replace(a, prevA, endA, b, prevB, endB, hunks);
  return hunks;
}

/** Applies `hunks` to `base`; throws when they do not fit it (out of range, overlapping or out of order). */
export function applyLineDelta(base: string, hunks: readonly LineHunk[]): string {
  const a = base.split("\n");
  const out: string[] = [];
  let at = 0;
  for (const h of hunks) {
    if (!Number.isInteger(h.at) || !Number.isInteger(h.delete) || h.delete < 0 || h.at < at || h.at + h.delete > a.length) {
      throw new Error(`delta hunk at line ${h.at} (${h.delete} deleted) does not fit a base of ${a.length} lines after line ${at}`);
    }
    for (let i = at; i < h.at; i++) out.push(a[i]);
    for (const line of h.insert) out.push(line);
    at = h.at + h.delete;
  }
  for (let i = at; i < a.length; i++) out.push(a[i]);
  return out.join("\n");
}

/** Common lines at both ends of a[fromA, toA) and b[fromB, toB): the middles that differ. */
function trim(
  a: readonly string[],
  fromA: number,
  toA: number,
  b: readonly string[],
  fromB: number,
  toB: number,
): [{ a: number; b: number }, number, number] {
  while (fromA < toA && fromB < toB && a[fromA] === b[fromB]) {
    fromA++;
    fromB++;
  }
  while (toA > fromA && toB > fromB && a[toA - 1] === b[toB - 1]) {
    toA--;
    toB--;
  }
  return [{ a: fromA, b: fromB }, toA, toB];
}

/** Replaces what differs of a[fromA, toA) by b[fromB, toB), after trimming common ends. */
function replace(
  a: readonly string[],
  fromA: number,
  toA: number,
  b: readonly string[],
  fromB: number,
  toB: number,
  hunks: LineHunk[],
): void {
  const [start, endA, endB] = trim(a, fromA, toA, b, fromB, toB);
  if (start.a === endA && start.b === endB) return;
  hunks.push({ at: start.a, delete: endA - start.a, insert: b.slice(start.b, endB) });
}

/** The longest subsequence of `pairs` (sorted by b) increasing in a, by patience sorting (n log n). */
function increasingRun(pairs: readonly { a: number; b: number }[]): { a: number; b: number }[] {
  const tails: number[] = []; // index into pairs of the smallest tail of a run of each length
  const back = new Int32Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]].a < pairs[i].a) lo = mid + 1;
      else hi = mid;
    }
    back[i] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = i;
  }
  const run: { a: number; b: number }[] = [];
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = back[i]) run.push(pairs[i]);
  return run.reverse();
}
