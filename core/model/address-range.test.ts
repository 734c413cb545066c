/**
 * Address ranges (parseCidrOrRange and its helpers) against brute force: which
 * ranges are exactly one CIDR, the canonical text stored, the split into CIDRs,
 * the entries a tool with native ranges is given, and a ready message for
 * every refusal.
 */
import fc from "fast-check";
import {
  canonicalCidrOrRange,
  cidrOrRangeFamily,
  collapseAddressTexts,
  formatAddressRange,
  formatAddressRange6,
  isOneCidr6,
  listedAddressRange,
  listedAddressRange6,
  parseCidrOrRange,
  rangeCidrTexts,
  rangeEntries,
  rangeEntries6,
} from "./address";
import { formatIPv4, maskOf } from "./cidr";
import { formatIPv6, parseIPv6, type IPv6Address } from "./cidr6";
import { compareIPv6, nextIPv6 } from "./cidr6-ranges";

/** Brute force: the prefix length p with [first, last] = first/p, or undefined. */
function oneCidrLength(first: number, last: number): number | undefined {
  for (let p = 0; p <= 32; p++) {
    if ((first & maskOf(p)) >>> 0 === first && last === first + 2 ** (32 - p) - 1) return p;
  }
  return undefined;
}

/** Brute force on BigInt: the prefix length p with [first, last] = first/p, or undefined. */
function oneCidrLength6(first: IPv6Address, last: IPv6Address): number | undefined {
  const big = (a: IPv6Address) => a.reduce((n, w) => (n << 32n) | BigInt(w), 0n);
  const f = big(first);
  const l = big(last);
  for (let p = 0; p <= 128; p++) {
    const size = 1n << BigInt(128 - p);
    if (f % size === 0n && l === f + size - 1n) return p;
  }
  return undefined;
}

/** An IPv4 address near interesting boundaries more often than uniform draws would be. */
const ipv4 = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0, max: 0xffffff }).map((base) => (base << 8) >>> 0),
  fc.integer({ min: 0x0a000000, max: 0x0a0000ff }),
);
const word = fc.oneof(fc.constant(0), fc.constant(0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const ipv6 = fc.tuple(fc.constant(0x20010db8), word, word, word) as fc.Arbitrary<IPv6Address>;

/** Upper case, or every group spelled out with leading zeros: text RFC 5952 would write otherwise. */
function respell(a: IPv6Address, style: number): string {
  if (style === 0) return formatIPv6(a);
  if (style === 1) return formatIPv6(a).toUpperCase();
  const groups: string[] = [];
  for (const w of a) groups.push((w >>> 16).toString(16).padStart(4, "0"), (w & 0xffff).toString(16).padStart(4, "0"));
  return groups.join(":");
}

describe("parseCidrOrRange", () => {
  it("reads every IPv4 range as brute force says: a CIDR exactly when it is one, else a range; backwards refused", () => {
    fc.assert(
      fc.property(ipv4, ipv4, (a, b) => {
        const text = `${formatIPv4(a)}-${formatIPv4(b)}`;
        const parsed = parseCidrOrRange(text);
        if (a > b) {
          expect(parsed).toMatchObject({ ok: false, reason: "range_order", suggestion: `${formatIPv4(b)}-${formatIPv4(a)}` });
          return;
        }
        const length = oneCidrLength(a, b);
        if (length !== undefined) {
          expect(parsed).toEqual({
            ok: true,
            kind: "cidr",
            family: 4,
            cidr: { network: a, prefixLength: length },
            canonical: `${formatIPv4(a)}/${length}`,
          });
        } else expect(parsed).toEqual({ ok: true, kind: "range", family: 4, first: a, last: b, canonical: text });
        expect(formatAddressRange({ first: a, last: b })).toBe(parsed.ok ? parsed.canonical : "");
      }),
      { numRuns: 3000 },
    );
  });

  it("finds every aligned block (a CIDR written as a range) to be that CIDR", () => {
    fc.assert(
      fc.property(ipv4, fc.integer({ min: 0, max: 32 }), (a, p) => {
        const first = (a & maskOf(p)) >>> 0;
        const last = first + 2 ** (32 - p) - 1;
        expect(canonicalCidrOrRange(`${formatIPv4(first)}-${formatIPv4(last)}`)).toBe(`${formatIPv4(first)}/${p}`);
      }),
    );
  });

  it("reads IPv6 ranges in any spelling into RFC 5952 text, a CIDR exactly when brute force finds one", () => {
    fc.assert(
      fc.property(ipv6, ipv6, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), (a, b, sa, sb) => {
        const parsed = parseCidrOrRange(`${respell(a, sa)}-${respell(b, sb)}`);
        if (compareIPv6(a, b) > 0) {
          expect(parsed).toMatchObject({ ok: false, reason: "range_order", family: 6 });
          return;
        }
        const length = oneCidrLength6(a, b);
        expect(isOneCidr6(a, b)).toBe(length !== undefined);
        if (length !== undefined) expect(parsed).toMatchObject({ ok: true, kind: "cidr", family: 6, cidr: { prefixLength: length } });
        else {
          expect(parsed).toEqual({ ok: true, kind: "range", family: 6, first: a, last: b, canonical: `${formatIPv6(a)}-${formatIPv6(b)}` });
        }
        expect(formatAddressRange6({ first: a, last: b })).toBe(parsed.ok ? parsed.canonical : "");
      }),
      { numRuns: 2000 },
    );
  });

  it("finds aligned IPv6 blocks to be one CIDR, and a block plus one address not", () => {
    fc.assert(
      fc.property(ipv6, fc.integer({ min: 32, max: 128 }), (a, p) => {
        const first = a.map((w, i) => {
          const bits = Math.max(0, Math.min(32, p - 32 * i));
          return bits === 0 ? 0 : bits === 32 ? w : (w & maskOf(bits)) >>> 0;
        }) as unknown as IPv6Address;
        const last = first.map((w, i) => {
          const bits = Math.max(0, Math.min(32, p - 32 * i));
          return bits === 32 ? w : (w | (0xffffffff >>> bits)) >>> 0;
        }) as unknown as IPv6Address;
        expect(isOneCidr6(first, last)).toBe(true);
        expect(canonicalCidrOrRange(`${formatIPv6(first)}-${formatIPv6(last)}`)).toBe(`${formatIPv6(first)}/${p}`);
        const beyond = nextIPv6(last);
        if (beyond) expect(isOneCidr6(first, beyond)).toBe(oneCidrLength6(first, beyond) !== undefined);
      }),
    );
  });

  it.each([
    ["10.0.0.1-10.0.0.9", "10.0.0.1-10.0.0.9", 4],
    ["10.0.0.0-10.0.0.255", "10.0.0.0/24", 4],
    ["10.0.0.7-10.0.0.7", "10.0.0.7/32", 4],
    ["0.0.0.0-255.255.255.255", "0.0.0.0/0", 4],
    ["2001:DB8::1-2001:0db8:0:0:0:0:0:9", "2001:db8::1-2001:db8::9", 6],
    ["2001:db8::-2001:db8::ffff", "2001:db8::/112", 6],
    ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0", 6],
    ["10.0.0.0/24", "10.0.0.0/24", 4],
  ])("stores %s as %s (IPv%d)", (text, canonical, family) => {
    expect(parseCidrOrRange(text)).toMatchObject({ ok: true, canonical, family });
    expect(cidrOrRangeFamily(text)).toBe(family);
  });

  it.each([
    [
      "10.0.0.9-10.0.0.1",
      "range_order",
      `"10.0.0.9-10.0.0.1" runs backwards: its first address is above its last; did you mean 10.0.0.1-10.0.0.9?`,
    ],
    ["10.0.0.1-2001:db8::1", "range_family", `"10.0.0.1-2001:db8::1" mixes IPv4 and IPv6; both ends of a range must be of one family`],
    ["10.0.0.1 - 10.0.0.9", "syntax", `"10.0.0.1 - 10.0.0.9" is not a range like 10.0.0.1-10.0.0.9: write it without spaces`],
    ["10.0.0.1-", "syntax", `"10.0.0.1-" is not a range like 10.0.0.1-10.0.0.9: it needs an address on both sides of the dash`],
    [
      "10.0.0.0/24-10.0.1.0",
      "syntax",
      `"10.0.0.0/24-10.0.1.0" is not a range like 10.0.0.1-10.0.0.9: the ends of a range are addresses, without a prefix length`,
    ],
    [
      "10.0.0.1-10.0.0.2-10.0.0.3",
      "syntax",
      `"10.0.0.1-10.0.0.2-10.0.0.3" is not a range like 10.0.0.1-10.0.0.9: it has more than one dash`,
    ],
    ["10.0.0.1-10.0.0.256", "syntax", `"10.0.0.1-10.0.0.256" is not a range like 10.0.0.1-10.0.0.9: "10.0.0.256" is not an IPv4 address`],
    [
      "2001:db8::9-2001:db8::1",
      "range_order",
      `"2001:db8::9-2001:db8::1" runs backwards: its first address is above its last; did you mean 2001:db8::1-2001:db8::9?`,
    ],
    [
      "2001:db8::1-2001:db8::g",
      "syntax",
      `"2001:db8::1-2001:db8::g" is not a range like 2001:db8::1-2001:db8::9: "2001:db8::g" is not an IPv6 address`,
    ],
    ["fe80::1%eth0-fe80::9", "zone_id", `"fe80::1%eth0-fe80::9": zone ids are not allowed in an address range`],
    ["fe80::1%br-lan/64", "zone_id", `"fe80::1%br-lan/64": zone ids are not allowed in a CIDR`],
    [
      "::ffff:10.0.0.1-::ffff:10.0.0.9",
      "ipv4_mapped",
      `"::ffff:10.0.0.1-::ffff:10.0.0.9" is a range of IPv4-mapped addresses; write the IPv4 range 10.0.0.1-10.0.0.9`,
    ],
    [
      "::ffff:10.0.0.0-::ffff:10.0.0.255",
      "ipv4_mapped",
      `"::ffff:10.0.0.0-::ffff:10.0.0.255" is a range of IPv4-mapped addresses; write the IPv4 CIDR 10.0.0.0/24`,
    ],
    ["10.0.0.5/24", "host_bits", `"10.0.0.5/24" has host bits set; did you mean 10.0.0.0/24?`],
  ])("refuses %s (%s) with a message that says what to write", (text, reason, message) => {
    expect(parseCidrOrRange(text)).toMatchObject({ ok: false, reason, message });
    expect(canonicalCidrOrRange(text)).toBeUndefined();
  });
});

describe("the splitter and the set entries", () => {
  it("splits a range into CIDRs that cover exactly it, in order, without gaps", () => {
    fc.assert(
      fc.property(ipv4, ipv4, (a, b) => {
        const [first, last] = a <= b ? [a, b] : [b, a];
        let next = first;
        for (const text of rangeCidrTexts(`${formatIPv4(first)}-${formatIPv4(last)}`)) {
          const r = listedAddressRange(text);
          expect(r.first).toBe(next);
          next = r.last + 1;
        }
        expect(next).toBe(last + 1);
      }),
      { numRuns: 1000 },
    );
  });

  it("collapses prefix lists holding ranges to exactly their addresses, and gives tools one entry per merged range", () => {
    const entry = fc.oneof(
      fc
        .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 40 }))
        .map(([f, n]) => `${formatIPv4(0x0a000000 + f)}-${formatIPv4(0x0a000000 + f + n)}`),
      fc.integer({ min: 0, max: 1000 }).map((f) => `${formatIPv4(0x0a000000 + f)}/32`),
      fc
        .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 40 }))
        .map(([f, n]) => `2001:db8::${f.toString(16)}-2001:db8::${(f + n).toString(16)}`),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (raw) => {
        const texts = raw.map((t) => canonicalCidrOrRange(t)!);
        const { v4, v6 } = collapseAddressTexts(texts);
        // Brute force: the set of member offsets of each family.
        const want4 = new Set<number>();
        const want6 = new Set<number>();
        for (const t of texts) {
          if (t.includes(":")) {
            const r = listedAddressRange6(t.includes("/") ? t : t);
            for (let x = r.first[3]; x <= r.last[3]; x++) want6.add(x);
          } else {
            const r = listedAddressRange(t);
            for (let x = r.first; x <= r.last; x++) want4.add(x);
          }
        }
        const got4 = new Set<number>();
        for (const r of v4.ranges) for (let x = r.first; x <= r.last; x++) got4.add(x);
        const got6 = new Set<number>();
        for (const r of v6.ranges) for (let x = r.first[3]; x <= r.last[3]; x++) got6.add(x);
        expect([...got4].sort()).toEqual([...want4].sort());
        expect([...got6].sort()).toEqual([...want6].sort());
        // One entry per merged range; each reads back as that range.
        const entries4 = rangeEntries(v4);
        expect(entries4.map(listedAddressRange)).toEqual(v4.ranges);
        const entries6 = rangeEntries6({ ranges6: v6.ranges, cidrs6: v6.cidrs });
        expect(entries6.map(listedAddressRange6)).toEqual(v6.ranges);
      }),
      { numRuns: 500 },
    );
  });

  it("reads tool listings of addresses, CIDRs and ranges, and refuses backwards ranges", () => {
    expect(listedAddressRange("10.0.0.1-10.0.0.9")).toEqual({ first: 0x0a000001, last: 0x0a000009 });
    expect(listedAddressRange("10.0.0.0/30")).toEqual({ first: 0x0a000000, last: 0x0a000003 });
    expect(listedAddressRange6("2001:db8::1-2001:db8::9")).toEqual({ first: parseIPv6("2001:db8::1"), last: parseIPv6("2001:db8::9") });
    expect(() => listedAddressRange("10.0.0.9-10.0.0.1")).toThrow(/not an IPv4 address range/);
    expect(() => listedAddressRange6("2001:db8::9-2001:db8::1")).toThrow(/not an IPv6 address range/);
  });
});
