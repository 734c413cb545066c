/**
 * The family-neutral entry points: IPv4 answers exactly as cidr.ts gives them,
 * IPv6 as cidr6.ts, and a ready message for every refusal.
 */
import fc from "fast-check";
import { PrefixCidrs, canonicalAddressCidr, cidrFamily, collapseAddressTexts, parseAddressCidr } from "./address";
import { collapseCidrTexts, formatCidr, formatIPv4, maskOf, parseCidr } from "./cidr";
import { formatCidr6, parseCidr6 } from "./cidr6";
import { collapseCidr6Texts } from "./cidr6-ranges";

describe("parseAddressCidr", () => {
  it.each([
    ["10.0.0.0/8", 4, "10.0.0.0/8"],
    ["0.0.0.0/0", 4, "0.0.0.0/0"],
    ["::/0", 6, "::/0"],
    ["2001:DB8::/32", 6, "2001:db8::/32"],
    ["2001:0db8:0000:0000:0000:0000:0000:0000/48", 6, "2001:db8::/48"],
  ])("accepts %s as IPv%d, stored as %s", (text, family, canonical) => {
    const parsed = parseAddressCidr(text);
    expect(parsed).toMatchObject({ ok: true, family, canonical });
    expect(canonicalAddressCidr(text)).toBe(canonical);
    expect(cidrFamily(text)).toBe(family);
  });

  it.each([
    ["10.0.0.5/24", 4, "host_bits", "10.0.0.0/24", `"10.0.0.5/24" has host bits set; did you mean 10.0.0.0/24?`],
    ["2001:db8::1/64", 6, "host_bits", "2001:db8::/64", `"2001:db8::1/64" has host bits set; did you mean 2001:db8::/64?`],
    ["2001:DB8::1/64", 6, "host_bits", "2001:db8::/64", `"2001:DB8::1/64" has host bits set; did you mean 2001:db8::/64?`],
    ["fe80::1%eth0", 6, "zone_id", undefined, `"fe80::1%eth0": zone ids are not allowed in a CIDR`],
    ["fe80::1%eth0/64", 6, "zone_id", undefined, `"fe80::1%eth0/64": zone ids are not allowed in a CIDR`],
    [
      "::ffff:10.0.0.0/104",
      6,
      "ipv4_mapped",
      "10.0.0.0/8",
      `"::ffff:10.0.0.0/104" is an IPv4-mapped address; write the IPv4 CIDR 10.0.0.0/8`,
    ],
    ["::ffff:0:0/96", 6, "ipv4_mapped", "0.0.0.0/0", `"::ffff:0:0/96" is an IPv4-mapped address; write the IPv4 CIDR 0.0.0.0/0`],
    ["10.0.0.1", 4, "syntax", undefined, `"10.0.0.1" is not an IPv4 CIDR like 10.0.0.0/24; did you mean 10.0.0.1/32?`],
    [
      "10.0.0.0/33",
      4,
      "syntax",
      undefined,
      `"10.0.0.0/33" is not an IPv4 CIDR like 10.0.0.0/24: the prefix length must be 0-32 without leading zeros`,
    ],
    ["10.0.0/24", 4, "syntax", undefined, `"10.0.0/24" is not an IPv4 CIDR like 10.0.0.0/24`],
    ["2001:DB8::1", 6, "syntax", undefined, `"2001:DB8::1" is not an IPv6 CIDR like 2001:db8::/32; did you mean 2001:db8::1/128?`],
    [
      "2001:db8::/129",
      6,
      "syntax",
      undefined,
      `"2001:db8::/129" is not an IPv6 CIDR like 2001:db8::/32: the prefix length must be 0-128 without leading zeros`,
    ],
    ["2001:db8:::/32", 6, "syntax", undefined, `"2001:db8:::/32" is not an IPv6 CIDR like 2001:db8::/32`],
    ["fe80::1%eth 0/64", 6, "syntax", undefined, `"fe80::1%eth 0/64" is not an IPv6 CIDR like 2001:db8::/32`],
    ["", undefined, "syntax", undefined, `"" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`],
    ["any", undefined, "syntax", undefined, `"any" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`],
    ["10.0.0.1%eth0", undefined, "syntax", undefined, `"10.0.0.1%eth0" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`],
    ["x".repeat(60), undefined, "syntax", undefined, `"${"x".repeat(40)}…" is not a CIDR like 10.0.0.0/24 or 2001:db8::/32`],
  ])("refuses %p (IPv%p): %s, %p: %s", (text, family, reason, suggestion, message) => {
    const parsed = parseAddressCidr(text);
    expect(parsed).toEqual({ ok: false, family, reason, ...(suggestion ? { suggestion } : {}), message });
    expect(canonicalAddressCidr(text)).toBeUndefined();
    expect(cidrFamily(text)).toBeUndefined();
  });

  it("IPv4 text gets exactly parseCidr's answer", () => {
    const near = fc.oneof(
      fc.tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 33 })).map(([a, n]) => `${formatIPv4(a)}/${n}`),
      fc
        .tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
        .map(([a, n]) => formatCidr({ network: (a & maskOf(n)) >>> 0, prefixLength: n })),
      fc.string({ maxLength: 18 }).filter((s) => !s.includes(":")),
    );
    fc.assert(
      fc.property(near, (text) => {
        const v4 = parseCidr(text);
        const parsed = parseAddressCidr(text);
        expect(parsed.ok).toBe(v4.ok);
        if (v4.ok) expect(parsed).toEqual({ ok: true, family: 4, cidr: v4.cidr, canonical: text });
        else if (!parsed.ok) {
          expect(parsed.reason).toBe(v4.reason);
          if (v4.reason === "host_bits") expect(parsed.suggestion).toBe(v4.suggestion);
        }
        expect(cidrFamily(text)).toBe(v4.ok ? 4 : undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it("text with a colon gets exactly parseCidr6's answer", () => {
    const words = fc.tuple(
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
      fc.nat({ max: 0xffffffff }),
    );
    const near = fc.oneof(
      fc
        .tuple(words, fc.integer({ min: 0, max: 129 }))
        .map(([w, n]) => `${formatCidr6({ network: w, prefixLength: 128 })}`.replace(/\/128$/, `/${n}`)),
      fc.string({ maxLength: 20 }).map((s) => `${s}:`),
    );
    fc.assert(
      fc.property(near, (text) => {
        const v6 = parseCidr6(text);
        const parsed = parseAddressCidr(text);
        expect(parsed.ok).toBe(v6.ok);
        if (v6.ok) expect(parsed).toEqual({ ok: true, family: 6, cidr: v6.cidr, canonical: v6.canonical });
        else if (!parsed.ok) {
          expect(parsed).toMatchObject({ family: 6, reason: v6.reason });
          if (v6.reason === "host_bits" || v6.reason === "ipv4_mapped") expect(parsed.suggestion).toBe(v6.suggestion);
        }
        expect(cidrFamily(text)).toBe(v6.ok ? 6 : undefined);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("collapseAddressTexts", () => {
  it("collapses each family of a mixed list as its own collapse does", () => {
    const v4 = fc
      .tuple(fc.nat({ max: 4095 }), fc.integer({ min: 20, max: 32 }))
      .map(([k, n]) => formatCidr({ network: (0x0a000000 + ((k << 12) & maskOf(n))) >>> 0, prefixLength: n }));
    const v6 = fc.tuple(fc.nat({ max: 4095 }), fc.integer({ min: 44, max: 64 })).map(([k, n]) =>
      formatCidr6({
        network: [0x20010db8, (k << 20) & (n >= 64 ? 0xffffffff : maskOf(n - 32)), 0, 0].map((w) => w >>> 0) as never,
        prefixLength: n,
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(v4, v6), { maxLength: 100 }), (texts) => {
        const collapsed = collapseAddressTexts(texts);
        expect(collapsed.v4).toEqual(collapseCidrTexts(texts.filter((t) => !t.includes(":"))));
        expect(collapsed.v6).toEqual(collapseCidr6Texts(texts.filter((t) => t.includes(":"))));
      }),
      { numRuns: 500 },
    );
  });
  it("keeps ::/0 and 0.0.0.0/0 apart: all IPv6 is not all IPv4", () => {
    const collapsed = collapseAddressTexts(["::/0", "0.0.0.0/0", "10.0.0.0/8", "2001:db8::/32"]);
    expect(collapsed.v4.cidrs).toEqual(["0.0.0.0/0"]);
    expect(collapsed.v6.cidrs).toEqual(["::/0"]);
  });
  it("throws on text either family refuses", () => {
    expect(() => collapseAddressTexts(["10.0.0.0/8", "2001:db8::1/32"])).toThrow(/invalid IPv6 CIDR/);
    expect(() => collapseAddressTexts(["10.0.0.1/8", "2001:db8::/32"])).toThrow(/invalid CIDR/);
  });
});

describe("PrefixCidrs (each text read once)", () => {
  // Few distinct networks, written in several IPv6 forms, so that duplicates and non-canonical text are common.
  const v4 = fc
    .tuple(fc.nat({ max: 63 }), fc.integer({ min: 24, max: 32 }))
    .map(([k, n]) => formatCidr({ network: (0x0a000000 + ((k << 6) & maskOf(n))) >>> 0, prefixLength: n }));
  const v6 = fc.tuple(fc.nat({ max: 63 }), fc.integer({ min: 56, max: 64 }), fc.boolean()).map(([k, n, upper]) => {
    const text = formatCidr6({ network: [0x20010db8, (k << 8) & maskOf(n - 32), 0, 0].map((w) => w >>> 0) as never, prefixLength: n });
    return upper ? text.toUpperCase() : text;
  });
  const bad = fc.constantFrom("10.0.0.1/24", "2001:db8::1/64", "fe80::1%eth0", "nonsense", "::ffff:10.0.0.0/104");

  it("stores, refuses, finds duplicates and collapses exactly as parsing each text and collapseAddressTexts do", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(v4, v6, v4, v6, bad), { maxLength: 80 }), fc.integer({ min: 0, max: 100 }), (texts, expected) => {
        const cidrs = new PrefixCidrs(expected);
        const stored: string[] = [];
        const firstAt = new Map<string, number>();
        const wantDuplicates: [number, number, string][] = [];
        texts.forEach((text, i) => {
          const got = cidrs.add(text, i);
          const parsed = parseAddressCidr(text);
          if (!parsed.ok) {
            expect(got).toEqual(parsed);
            return;
          }
          expect(got).toBe(parsed.canonical);
          const earlier = firstAt.get(parsed.canonical);
          if (earlier === undefined) {
            firstAt.set(parsed.canonical, i);
            stored.push(parsed.canonical);
          } else wantDuplicates.push([i, earlier, parsed.canonical]);
        });
        const duplicates: [number, number, string][] = [];
        const collapsed = cidrs.collapse((entry, earlier, text) => duplicates.push([entry, earlier, text]));
        expect(duplicates.sort((a, b) => a[0] - b[0])).toEqual(wantDuplicates);
        const want = collapseAddressTexts(stored);
        expect(collapsed.v4.cidrs).toEqual(want.v4.cidrs);
        expect(collapsed.v4.ranges).toEqual(want.v4.ranges);
        expect(collapsed.v6.cidrs).toEqual(want.v6.cidrs);
        expect(collapsed.v6.ranges).toEqual(want.v6.ranges);
      }),
      { numRuns: 1500 },
    );
  });
});
