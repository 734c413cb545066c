/**
 * The prefix lists the deployer compiles, kept between deploys (#17): a
 * prefix-list edit on a site with 200 lists re-read all 100,000 prefixes and
 * re-normalized every list. Now one query reads each list's content token
 * (a fresh random value on every write, core/store/prefix-lists.ts); only
 * lists whose token differs from the cached one are read again. A cached
 * entry is only ever served for the exact token it was read with, in the
 * same statement, so it cannot be stale: a write, a rename, a delete or a
 * rolled-back write all change or remove the token the next deploy sees.
 * Entries are deep-frozen, which lets the compiler's PrefixListMemo reuse
 * their normalized form too.
 */
import { loadPrefixListContents, prefixListTokens, type PrefixListContent } from "../store/prefix-lists";
import type { Queryable } from "../store/database";

export type CachedPrefixList = Readonly<PrefixListContent>;

export class PrefixListCache {
  private readonly entries = new Map<string, CachedPrefixList>();
  private prefixes = 0;
  /** Lists read from the database (misses), for tests and benchmarks. */
  loaded = 0;

  /** Bounded by the prefixes held; least recently used out first. */
  constructor(private readonly maxPrefixes = 2_000_000) {}

  /** The current content of each existing list of `ids`, by id. */
  async load(q: Queryable, ids: readonly string[]): Promise<Map<string, CachedPrefixList>> {
    const out = new Map<string, CachedPrefixList>();
    if (!ids.length) return out;
    const tokens = await prefixListTokens(q, ids);
    const missing: string[] = [];
    for (const [id, token] of tokens) {
      const hit = this.entries.get(id);
      if (hit && hit.token === token) {
        this.entries.delete(id);
        this.entries.set(id, hit);
        out.set(id, hit);
      } else missing.push(id);
    }
    for (const list of await loadPrefixListContents(q, missing)) {
      // The content as read with its own token (a write may have committed since the token query).
      const frozen = freezeList(list);
      this.put(frozen);
      out.set(list.id, frozen);
    }
    this.loaded += missing.length;
    return out;
  }

  private put(list: CachedPrefixList): void {
    const old = this.entries.get(list.id);
    if (old) {
      this.entries.delete(list.id);
      this.prefixes -= old.prefixes.length;
    }
    if (list.prefixes.length > this.maxPrefixes) return;
    this.entries.set(list.id, list);
    this.prefixes += list.prefixes.length;
    for (const [id, e] of this.entries) {
      if (this.prefixes <= this.maxPrefixes) break;
      this.entries.delete(id);
      this.prefixes -= e.prefixes.length;
    }
  }
}

function freezeList(list: PrefixListContent): CachedPrefixList {
  for (const p of list.prefixes) Object.freeze(p);
  Object.freeze(list.prefixes);
  return Object.freeze(list);
}
