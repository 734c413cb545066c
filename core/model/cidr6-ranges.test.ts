/**
 * IPv6 ranges on four-word addresses (radix sort, carries across words) against
 * plain BigInt definitions written here.
 */
import fc from "fast-check";
import { formatCidr6, formatIPv6, parseCidr6, type Cidr6, type IPv6Address } from "./cidr6";
import {
  cidr6Range,
  collapseCidr6Texts,
  collapseCidr6TextsPacked,
  collapseCidrs6,
  compareIPv6,
  containsAddress6,
  mergeRanges6,
  nextIPv6,
  previousIPv6,
  rangeToCidrs6,
  sortRowsByKey,
  unpackRanges6,
  type AddressRange6,
} from "./cidr6-ranges";

const MAX = (1n << 128n) - 1n;
const toWords = (v: bigint): IPv6Address => [0, 1, 2, 3].map((w) => Number((v >> BigInt(96 - 32 * w)) & 0xffffffffn)) as never;
const toBig = (a: IPv6Address): bigint => a.reduce((v, w) => (v << 32n) | BigInt(w), 0n);
type BigRange = { first: bigint; last: bigint };
const toRange = (r: BigRange): AddressRange6 => ({ first: toWords(r.first), last: toWords(r.last) });
const fromRange = (r: AddressRange6): BigRange => ({ first: toBig(r.first), last: toBig(r.last) });
const size = (len: number) => 1n << BigInt(128 - len);

function refMerge(ranges: readonly BigRange[]): BigRange[] {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: BigRange[] = [];
  for (const r of sorted) {
    const top = out[out.length - 1];
    if (top && r.first <= top.last + 1n) {
      if (r.last > top.last) top.last = r.last;
    } else out.push({ ...r });
  }
  return out;
}

/** Halving from the alignment of the start, as the IPv4 reference does. */
function refRangeToCidrs(r: BigRange): { network: bigint; prefixLength: number }[] {
  const out: { network: bigint; prefixLength: number }[] = [];
  let start = r.first;
  while (start <= r.last) {
    let bits = start === 0n ? 128 : (start & -start).toString(2).length - 1;
    while (start + (1n << BigInt(bits)) - 1n > r.last) bits--;
    out.push({ network: start, prefixLength: 128 - bits });
    start += 1n << BigInt(bits);
  }
  return out;
}

const cidrOf = (network: bigint, len: number): Cidr6 => ({ network: toWords(network & ~(size(len) - 1n)), prefixLength: len });

/** Addresses near the interesting places: the ends of the space, word boundaries, a shared site prefix. */
const address = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX }),
  fc.constantFrom(0n, 1n, MAX, MAX - 1n, 1n << 32n, (1n << 32n) - 1n, 1n << 64n, (1n << 64n) - 1n, 1n << 96n, 1n << 127n),
  fc.tuple(fc.constantFrom(0n, 1n << 32n, 1n << 64n, 1n << 96n, MAX), fc.integer({ min: -3, max: 3 })).map(([b, d]) => {
    const v = b + BigInt(d);
    return v < 0n ? 0n : v > MAX ? MAX : v;
  }),
  fc.bigInt({ min: 0n, max: 0xffffn }).map((k) => (0x20010db8n << 96n) + (k << 64n)),
);
const range = fc.tuple(address, address).map(([a, b]) => (a <= b ? { first: a, last: b } : { first: b, last: a }));
const nearbyRange = fc
  .tuple(fc.bigInt({ min: 0n, max: 64n }), fc.bigInt({ min: 0n, max: 8n }), fc.constantFrom(0n, (1n << 64n) - 32n, MAX - 80n))
  .map(([f, len, base]) => ({ first: base + f, last: base + f + len }));

const cidrIn = fc.oneof(
  fc.tuple(address, fc.integer({ min: 0, max: 128 })).map(([a, n]) => cidrOf(a, n)),
  // A site's /48s and /64s and their neighbours: merges and nesting.
  fc
    .tuple(fc.integer({ min: 44, max: 66 }), fc.nat({ max: 63 }))
    .map(([n, k]) => cidrOf((0x20010db8n << 96n) + (BigInt(k) << BigInt(128 - n)), n)),
  fc.tuple(fc.integer({ min: 120, max: 128 }), fc.nat({ max: 255 })).map(([n, k]) => cidrOf(MAX - BigInt(k) * size(n), n)),
);
const mapped = (c: Cidr6) => c.prefixLength >= 96 && c.network[0] === 0 && c.network[1] === 0 && c.network[2] === 0xffff;

describe("address order and neighbours", () => {
  it("compareIPv6, nextIPv6 and previousIPv6 equal BigInt arithmetic", () => {
    fc.assert(
      fc.property(address, address, (a, b) => {
        expect(Math.sign(compareIPv6(toWords(a), toWords(b)))).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(nextIPv6(toWords(a))).toEqual(a === MAX ? undefined : toWords(a + 1n));
        expect(previousIPv6(toWords(a))).toEqual(a === 0n ? undefined : toWords(a - 1n));
      }),
      { numRuns: 3000 },
    );
  });
  it("cidr6Range and containsAddress6 at the edges and at random", () => {
    expect(cidr6Range(cidrOf(0n, 0))).toEqual(toRange({ first: 0n, last: MAX }));
    expect(cidr6Range(cidrOf(MAX, 128))).toEqual(toRange({ first: MAX, last: MAX }));
    expect(cidr6Range(cidrOf(1n << 127n, 1))).toEqual(toRange({ first: 1n << 127n, last: MAX }));
    fc.assert(
      fc.property(address, fc.integer({ min: 0, max: 128 }), address, (a, n, probe) => {
        const cidr = cidrOf(a, n);
        const first = toBig(cidr.network);
        expect(fromRange(cidr6Range(cidr))).toEqual({ first, last: first + size(n) - 1n });
        expect(containsAddress6(cidr, toWords(probe))).toBe(probe >= first && probe < first + size(n));
        expect(containsAddress6(cidr, cidr.network)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("sortRowsByKey", () => {
  it("equals a stable comparator sort of the key words (many ties, constant bytes, any stride)", () => {
    const word = fc.oneof(fc.constantFrom(0, 1, 0xff, 0x100, 0x80000000, 0xffffffff), fc.nat({ max: 0xffffffff }));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(word, { maxLength: 400 }),
        (stride, count, pool) => {
          const keyWords = 1 + (count % stride);
          const n = pool.length ? count : 0;
          const rows = new Uint32Array(n * stride);
          for (let i = 0; i < rows.length; i++) rows[i] = pool[(i * 7) % Math.max(pool.length, 1)] ?? 0;
          const key = (r: number) => Array.from(rows.subarray(r * stride, r * stride + keyWords));
          const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
            const x = key(a);
            const y = key(b);
            for (let w = 0; w < keyWords; w++) if (x[w] !== y[w]) return x[w] - y[w];
            return 0;
          });
          expect(Array.from(sortRowsByKey(rows, stride, keyWords, n))).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("mergeRanges6 equals the BigInt merge", () => {
  it("on random ranges (ties, touching neighbours, carries across words, the ends of the space)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(range, nearbyRange), { maxLength: 120 }), (ranges) => {
        expect(mergeRanges6(ranges.map(toRange)).map(fromRange)).toEqual(refMerge(ranges));
      }),
      { numRuns: 1500 },
    );
  });
  it("merges touching ranges only", () => {
    const merged = mergeRanges6(
      [
        { first: 10n, last: 20n },
        { first: 21n, last: 30n },
        { first: 40n, last: 50n },
        { first: 45n, last: 46n },
        { first: (1n << 32n) - 1n, last: (1n << 32n) - 1n },
        { first: 1n << 32n, last: (1n << 32n) + 1n },
        { first: MAX, last: MAX },
        { first: 0n, last: MAX - 1n },
      ].map(toRange),
    );
    expect(merged.map(fromRange)).toEqual([{ first: 0n, last: MAX }]);
    expect(mergeRanges6([])).toEqual([]);
  });
  it.each([32n, 64n, 96n])("at a carry into word boundary 2^%d: touching merges, one address apart does not", (bit) => {
    const edge = 5n << bit;
    const touching = [toRange({ first: edge - 9n, last: edge - 1n }), toRange({ first: edge, last: edge + 1n })];
    expect(mergeRanges6(touching).map(fromRange)).toEqual([{ first: edge - 9n, last: edge + 1n }]);
    for (const gap of [1n, 2n, 1n << (bit - 1n)]) {
      const apart = [toRange({ first: edge - 9n, last: edge - 1n }), toRange({ first: edge + gap, last: edge + gap })];
      expect(mergeRanges6(apart)).toHaveLength(2);
    }
  });
  it("does not modify its input", () => {
    const input = [toRange({ first: 5n, last: 9n }), toRange({ first: 1n, last: 6n })];
    const copy = JSON.stringify(input);
    mergeRanges6(input);
    expect(JSON.stringify(input)).toBe(copy);
  });
});

describe("rangeToCidrs6 equals halving from the alignment", () => {
  it("on random ranges, including the ends of the space and word boundaries", () => {
    fc.assert(
      fc.property(fc.oneof(range, nearbyRange), (r) => {
        const expected = refRangeToCidrs(r).map((c) => ({ network: toWords(c.network), prefixLength: c.prefixLength }));
        expect(rangeToCidrs6(toRange(r))).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
  it("at the edges", () => {
    const texts = (r: BigRange) => rangeToCidrs6(toRange(r)).map(formatCidr6);
    expect(texts({ first: 0n, last: MAX })).toEqual(["::/0"]);
    expect(texts({ first: MAX, last: MAX })).toEqual(["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"]);
    expect(texts({ first: 0n, last: 0n })).toEqual(["::/128"]);
    expect(texts({ first: 1n, last: MAX })).toHaveLength(128);
    expect(texts({ first: 0n, last: MAX - 1n })).toHaveLength(128);
    expect(texts({ first: 1n << 127n, last: MAX })).toEqual(["8000::/1"]);
    expect(texts({ first: (1n << 64n) - 1n, last: 1n << 64n })).toEqual(["::ffff:ffff:ffff:ffff/128", "0:0:0:1::/128"]);
  });
});

describe("collapseCidrs6", () => {
  it.each<[string[], string[]]>([
    [["::/0", "2001:db8::/32", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"], ["::/0"]],
    [["::/1", "8000::/1"], ["::/0"]],
    [["2001:db8::/49", "2001:db8:0:8000::/49"], ["2001:db8::/48"]],
    [
      ["2001:db8:0:1::/64", "2001:db8:0:2::/64"],
      ["2001:db8:0:1::/64", "2001:db8:0:2::/64"],
    ], // touching, not alignable
    [["2001:db8::/48", "2001:db8::/64", "2001:db8::/48"], ["2001:db8::/48"]],
    [[], []],
  ])("%j -> %j", (input, output) => {
    expect(collapseCidrs6(input.map((t) => (parseCidr6(t) as { cidr: Cidr6 }).cidr)).map(formatCidr6)).toEqual(output);
  });
  it("covers exactly the same addresses, disjoint, each CIDR once (sizes add up)", () => {
    fc.assert(
      fc.property(fc.array(cidrIn, { maxLength: 30 }), (input) => {
        const out = collapseCidrs6(input);
        const covered = refMerge(input.map((c) => fromRange(cidr6Range(c))));
        expect(mergeRanges6(out.map(cidr6Range)).map(fromRange)).toEqual(covered);
        const total = covered.reduce((n, r) => n + r.last - r.first + 1n, 0n);
        expect(out.reduce((n, c) => n + size(c.prefixLength), 0n)).toBe(total);
        expect(collapseCidrs6(out)).toEqual(out);
      }),
      { numRuns: 800 },
    );
  });
});

describe("collapseCidr6Texts equals merging ranges and splitting every range", () => {
  function reference(texts: readonly string[]) {
    const ranges = refMerge(texts.map((t) => fromRange(cidr6Range((parseCidr6(t) as { cidr: Cidr6 }).cidr))));
    return {
      ranges: ranges.map(toRange),
      cidrs: ranges.flatMap(refRangeToCidrs).map((c) => `${formatIPv6(toWords(c.network))}/${c.prefixLength}`),
    };
  }
  /** Canonical text mostly; some upper case or uncompressed (accepted, rewritten on output). */
  const text = fc.tuple(cidrIn, fc.nat({ max: 9 })).map(([c, how]) => {
    const canonical = formatCidr6(c);
    if (how === 0) return canonical.toUpperCase();
    if (how === 1) return c.network.map((w) => `${(w >>> 16).toString(16)}:${(w & 0xffff).toString(16)}`).join(":") + `/${c.prefixLength}`;
    return canonical;
  });
  it("on random lists with nested, touching, repeated and non-canonical CIDRs", () => {
    fc.assert(
      fc.property(
        fc
          .array(text, { maxLength: 200 })
          .filter((ts) => !ts.some((t) => mapped((parseCidr6(t) as { cidr?: Cidr6 }).cidr ?? cidrOf(0n, 0)))),
        (texts) => {
          expect(collapseCidr6Texts(texts)).toEqual(reference(texts));
        },
      ),
      { numRuns: 1000 },
    );
  });
  it("collapseCidr6TextsPacked is the same collapse, its ranges as packed words", () => {
    fc.assert(
      fc.property(fc.array(cidrIn.filter((c) => !mapped(c)).map(formatCidr6), { maxLength: 100 }), (texts) => {
        const packed = collapseCidr6TextsPacked(texts);
        const objects = collapseCidr6Texts(texts);
        expect(packed.cidrs).toEqual(objects.cidrs);
        expect(packed.words).toHaveLength(objects.ranges.length * 8);
        expect(unpackRanges6(packed.words)).toEqual(objects.ranges);
      }),
      { numRuns: 300 },
    );
  });
  it("keeps the input strings of unmerged canonical CIDRs", () => {
    const input = ["2001:db8:2::/48", "2001:db8:1::/48"];
    const out = collapseCidr6Texts(input);
    expect(out.cidrs).toEqual(["2001:db8:1::/48", "2001:db8:2::/48"]);
    expect(out.cidrs[0]).toBe(input[1]);
    expect(collapseCidr6Texts(["2001:DB8:1::/48"]).cidrs).toEqual(["2001:db8:1::/48"]);
  });
  it("on a large list (the radix sort's every byte)", () => {
    const texts = Array.from({ length: 5000 }, (_, i) =>
      formatCidr6(cidrOf((BigInt((i * 7919) % 65521) << 100n) + (BigInt((i * 104729) % 4099) << 60n), 60 + (i % 5))),
    ).filter((t) => parseCidr6(t).ok);
    expect(collapseCidr6Texts(texts)).toEqual(reference(texts));
  });
  it("refuses text that is not a valid IPv6 CIDR", () => {
    expect(() => collapseCidr6Texts(["2001:db8::/32", "2001:db8::1/32"])).toThrow(/invalid IPv6 CIDR "2001:db8::1\/32"/);
    expect(() => collapseCidr6Texts(["10.0.0.0/8"])).toThrow(/invalid IPv6 CIDR/);
  });
});
