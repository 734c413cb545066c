/**
 * The review's shortcuts (issue #7) against the straightforward computations
 * they replaced, on random policies attached to sites:
 *  - lintChange (base linted only as far as marking head's findings needs, scopes
 *    cut from one normal form per side) marks exactly what a full lint of both
 *    sides marks;
 *  - lint's `about`, `policy` and `checks.worldOpen` options change nothing about the findings kept;
 *  - semanticDiff, which diffs sites enforcing the same rules once, equals the
 *    reference analyzer, which diffs every site;
 *  - describeAddresses (complements counted from numeric ranges) equals the
 *    complement computed with the model's range functions (IPv6: with BigInt).
 * The lint comparisons run on mixed-family policies every other time; the
 * reference analyzer (test/oracle) is IPv4 only, so the diff comparison is too.
 */
import {
  formatCidr,
  formatCidr6,
  formatIPv4,
  mergeRanges,
  mustParseCidr,
  mustParseCidr6,
  cidrRange,
  rangeToCidrs,
  maskOf,
  SERVICES,
  type AddressRange,
  type IPv6Address,
} from "../model";
import { normalizePolicy, type PolicyDocumentInput } from "../policy";
import { seededRandom, semanticDiff } from "../analyze";
import { lint } from "../analyze/lint";
import { semanticDiff as referenceDiff } from "../../test/oracle/diff";
import { editPolicy, randomPolicy } from "../../test/support/policies";
import { readReviewJson } from "./inputs/load";
import { lintChange, lintSnapshot, markInBase } from "./findings";
import { describeAddresses, MAX_LISTED_ADDRESSES } from "./describe";
import type { PolicySnapshot } from "./snapshot";

const SITES = ["site_000000000000000000000000001", "site_000000000000000000000000002", "site_000000000000000000000000003"];

/** Groups attached to random subsets of three sites (sometimes none), sites named. */
function withSites(doc: PolicyDocumentInput, random: () => number): PolicyDocumentInput & { sites: { id: string; name: string }[] } {
  return {
    ...doc,
    sites: SITES.map((id, i) => ({ id, name: `site-${i + 1}` })),
    security_groups: doc.security_groups.map((g) => ({ ...g, sites: SITES.filter(() => random() < 0.6) })),
  };
}

const snapshot = (doc: PolicyDocumentInput, name: string): PolicySnapshot => readReviewJson(JSON.parse(JSON.stringify(doc)), name).after;

/** Many rules over few addresses: ties at range edges, shared prefix lists, whole-space rules. */
const dense = {
  pools: [
    { network: 0x0a000000, prefixLength: 28 },
    { network: 0, prefixLength: 0 },
  ],
  maxRules: 40,
};

describe("review shortcuts equal the full computation", () => {
  test("lintChange marks what full lints of base and head mark", () => {
    const random = seededRandom(21);
    let marked = 0;
    for (let i = 0; i < 80; i++) {
      const opts = { ...(i % 3 === 0 ? dense : {}), families: i % 2 ? ([4, 6] as const) : ([4] as const) };
      const base = withSites(randomPolicy(random, opts), random);
      const head =
        i % 4 === 0 ? withSites(randomPolicy(random, opts), random) : { ...base, ...editPolicy(base, random, { prefixLists: true }) };
      const b = snapshot(base, "base.json");
      const h = snapshot(head, "head.json");
      const expected = markInBase(lintSnapshot(h, null), lintSnapshot(b, null));
      expect(lintChange(b, h)).toEqual(expected);
      marked += expected.filter((f) => f.inBase).length;
    }
    expect(marked).toBeGreaterThan(100);
  });

  test("lintSnapshot from the shared normal form equals linting each scope on its own", () => {
    const random = seededRandom(22);
    for (let i = 0; i < 60; i++) {
      const opts = { ...(i % 3 === 0 ? dense : {}), families: i % 2 ? ([4, 6] as const) : ([4] as const) };
      const s = snapshot(withSites(randomPolicy(random, opts), random), "policy.json");
      expect(lintSnapshot(s)).toEqual(lintSnapshot(s, null));
    }
  });

  test("lint about some rules keeps exactly the full lint's findings about them", () => {
    const random = seededRandom(23);
    for (let i = 0; i < 100; i++) {
      const doc = randomPolicy(random, { ...(i % 3 === 0 ? dense : {}), families: i % 2 ? ([4, 6] as const) : ([4] as const) });
      const policy = normalizePolicy(doc);
      const chosen = new Set(policy.rules.filter(() => random() < 0.4).map((r) => r.id));
      const full = lint(doc);
      expect(lint(doc, { policy })).toEqual(full);
      const decision = (kind: string) => kind === "shadowed" || kind === "redundant";
      expect(lint(doc, { policy, about: (r) => chosen.has(r.id) })).toEqual(
        full.filter((f) => !decision(f.kind) || chosen.has(f.rules[0].id)),
      );
      const services = new Set(SERVICES.filter(() => random() < 0.5).map((s) => s.description));
      expect(lint(doc, { policy, checks: { worldOpen: (s) => services.has(s.description) } })).toEqual(
        full.filter((f) => f.kind !== "world-open-admin-port" || [...services].some((d) => f.message.startsWith(`${d} (`))),
      );
    }
  });

  test("semantic diff of policies on sites (sites with equal rules diffed once) equals the reference", () => {
    const random = seededRandom(24);
    for (let i = 0; i < 60; i++) {
      const opts = i % 3 === 0 ? dense : {};
      const before = withSites(randomPolicy(random, opts), random);
      const after =
        i % 2 ? { ...before, ...editPolicy(before, random, { prefixLists: true }) } : withSites(randomPolicy(random, opts), random);
      expect(semanticDiff(before, after)).toEqual(referenceDiff(before, after));
    }
  });

  test("describeAddresses names a set by its complement exactly when that is shorter", () => {
    const naive = (cidrs: string[]): string[] => {
      const ranges = mergeRanges(cidrs.map((c) => cidrRange(mustParseCidr(c))));
      const gaps: AddressRange[] = [];
      let next = 0;
      for (const r of ranges) {
        if (r.first > next) gaps.push({ first: next, last: r.first - 1 });
        next = r.last + 1;
      }
      if (next <= 0xffffffff) gaps.push({ first: next, last: 0xffffffff });
      return gaps.flatMap(rangeToCidrs).map(formatCidr);
    };
    const list = (cidrs: string[], noun = "CIDRs") =>
      cidrs.length <= MAX_LISTED_ADDRESSES
        ? cidrs.join(", ")
        : `${cidrs.slice(0, MAX_LISTED_ADDRESSES).join(", ")} and ${(cidrs.length - MAX_LISTED_ADDRESSES).toLocaleString("en-US")} more ${noun}`;
    // A merged range that takes three CIDRs or more reads as first-last (as an address range is written).
    const ranged = (cidrs: string[]): string[] | undefined => {
      const merged = mergeRanges(cidrs.map((c) => cidrRange(mustParseCidr(c))));
      if (!merged.some((r) => rangeToCidrs(r).length >= 3)) return undefined;
      return merged.flatMap((r) =>
        rangeToCidrs(r).length >= 3 ? [`${formatIPv4(r.first)}-${formatIPv4(r.last)}`] : rangeToCidrs(r).map(formatCidr),
      );
    };
    const expected = (cidrs: string[]) => {
      if (cidrs.length === 1 && cidrs[0] === "0.0.0.0/0") return "0.0.0.0/0 (all IPv4)";
      const complement = naive(cidrs);
      if (complement.length < cidrs.length) return `0.0.0.0/0 except ${list(complement)}`;
      const entries = ranged(cidrs);
      return entries ? list(entries, "entries") : list(cidrs);
    };
    const random = seededRandom(25);
    for (let i = 0; i < 3000; i++) {
      const cidrs = Array.from({ length: Math.floor(random() * 9) }, () => {
        const length = Math.floor(random() * 33);
        return formatCidr({ network: (Math.floor(random() * 2 ** 32) & maskOf(length)) >>> 0, prefixLength: length });
      });
      if (random() < 0.5) cidrs.sort();
      expect(describeAddresses(cidrs)).toBe(expected(cidrs));
    }
    // Addresses of diff regions (their ranges are known to the diff, not parsed back).
    for (let i = 0; i < 30; i++) {
      const before = randomPolicy(random, dense);
      for (const region of semanticDiff(before, editPolicy(before, random, { prefixLists: true })).regions) {
        expect(describeAddresses(region.addresses)).toBe(expected(region.addresses));
      }
    }
  });

  test("describeAddresses names an IPv6 set by its complement exactly when that is shorter", () => {
    const big = (a: readonly number[]) => a.reduce((n, w) => (n << 32n) | BigInt(w), 0n);
    const words = (n: bigint) => [0, 1, 2, 3].map((w) => Number((n >> BigInt(96 - 32 * w)) & 0xffffffffn));
    const text = (n: bigint, length: number) => formatCidr6({ network: words(n) as unknown as IPv6Address, prefixLength: length });
    const ALL = 1n << 128n;
    /** The minimal CIDRs of [first, end), by halving blocks (BigInt, no model range code). */
    const split = (first: bigint, end: bigint): string[] => {
      const out: string[] = [];
      for (let at = first; at < end; ) {
        let bits = 128;
        while (bits > 0 && (at % (1n << BigInt(bits)) !== 0n || at + (1n << BigInt(bits)) > end)) bits--;
        out.push(text(at, 128 - bits));
        at += 1n << BigInt(bits);
      }
      return out;
    };
    const naive = (cidrs: string[]): string[] => {
      const ranges = cidrs
        .map((c) => {
          const { network, prefixLength } = mustParseCidr6(c);
          const first = big(network);
          return { first, end: first + (1n << BigInt(128 - prefixLength)) };
        })
        .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
      const gaps: string[] = [];
      let next = 0n;
      for (const r of ranges) {
        if (r.first > next) gaps.push(...split(next, r.first));
        if (r.end > next) next = r.end;
      }
      if (next < ALL) gaps.push(...split(next, ALL));
      return gaps;
    };
    const list = (cidrs: string[], noun = "CIDRs") =>
      cidrs.length <= MAX_LISTED_ADDRESSES
        ? cidrs.join(", ")
        : `${cidrs.slice(0, MAX_LISTED_ADDRESSES).join(", ")} and ${(cidrs.length - MAX_LISTED_ADDRESSES).toLocaleString("en-US")} more ${noun}`;
    const address = (n: bigint) => text(n, 128).slice(0, -"/128".length);
    // Merged ranges (BigInt); one that takes three CIDRs or more reads as first-last.
    const ranged = (cidrs: string[]): string[] | undefined => {
      const spans = cidrs
        .map((c) => {
          const { network, prefixLength } = mustParseCidr6(c);
          const first = big(network);
          return { first, end: first + (1n << BigInt(128 - prefixLength)) };
        })
        .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
      const merged: { first: bigint; end: bigint }[] = [];
      for (const r of spans) {
        const top = merged[merged.length - 1];
        if (top && r.first <= top.end) top.end = r.end > top.end ? r.end : top.end;
        else merged.push({ ...r });
      }
      const pieces = merged.map((r) => split(r.first, r.end));
      if (!pieces.some((p) => p.length >= 3)) return undefined;
      return merged.flatMap((r, i) => (pieces[i].length >= 3 ? [`${address(r.first)}-${address(r.end - 1n)}`] : pieces[i]));
    };
    const expected = (cidrs: string[]) => {
      if (cidrs.length === 1 && cidrs[0] === "::/0") return "::/0 (all IPv6)";
      const complement = naive(cidrs);
      if (complement.length < cidrs.length) return `::/0 except ${list(complement)}`;
      const entries = ranged(cidrs);
      return entries ? list(entries, "entries") : list(cidrs);
    };
    const random = seededRandom(26);
    for (let i = 0; i < 1500; i++) {
      const cidrs = Array.from({ length: 1 + Math.floor(random() * 8) }, () => {
        // Short prefixes often, so that complements are short too.
        const length = random() < 0.7 ? Math.floor(random() * 6) : Math.floor(random() * 129);
        const n = big([0, 1, 2, 3].map(() => Math.floor(random() * 2 ** 32)));
        return text((n >> BigInt(128 - length)) << BigInt(128 - length), length);
      });
      expect(describeAddresses(cidrs)).toBe(expected(cidrs));
    }
    // Addresses of IPv6 diff regions.
    let regions = 0;
    for (let i = 0; i < 20; i++) {
      const before = randomPolicy(random, { families: [4, 6] });
      for (const region of semanticDiff(before, editPolicy(before, random, { prefixLists: true })).regions) {
        if (region.family !== 6) continue;
        regions++;
        expect(describeAddresses(region.addresses, 6)).toBe(expected(region.addresses));
      }
    }
    expect(regions).toBeGreaterThan(10);
  });
});
