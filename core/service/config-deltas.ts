/** Delivery deltas between configurations, computed once per pair (core/model/text-delta.ts). */
import { lineDelta, type LineHunk } from "../model";

/**
 * Deltas by base and result digest: when many agents at the same revision
 * wake for one change, the delta is computed once. Both ends are
 * content-addressed, so an entry never goes stale. Bounded by count.
 */
export class DeltaCache {
  private readonly entries = new Map<string, LineHunk[]>();

  constructor(private readonly max = 64) {}

  get(baseDigest: string, digest: string, base: string, next: string): LineHunk[] {
    const key = `${baseDigest}>${digest}`;
    let hit = this.entries.get(key);
    if (hit) this.entries.delete(key);
    else hit = lineDelta(base, next);
    this.entries.set(key, hit);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return hit;
  }
}
