/**
 * The compiler's hot paths in core/model/cidr.ts (char-code parser, numeric-key
 * sort in mergeRanges) against the straightforward definitions they replaced,
 * on random inputs including invalid ones.
 */
import fc from "fast-check";
import {
  cidrKey,
  cidrKeyFirst,
  cidrKeyLast,
  cidrRange,
  formatCidrKey,
  collapseCidrTexts,
  formatCidr,
  formatIPv4,
  maskOf,
  mergeRanges,
  mustParseCidr,
  parseCidr,
  parseIPv4,
  rangeToCidrs,
  validatePrefixListWrite,
  type AddressRange,
  type CidrParse,
} from ".";

const OCTET = /^(0|[1-9][0-9]{0,2})$/;

function referenceParseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

function referenceParseCidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  if (slash < 0) return { ok: false, reason: "syntax" };
  const address = referenceParseIPv4(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (address === undefined || !/^(0|[1-9][0-9]?)$/.test(lengthText)) return { ok: false, reason: "syntax" };
  const prefixLength = Number(lengthText);
  if (prefixLength > 32) return { ok: false, reason: "syntax" };
  const network = (address & maskOf(prefixLength)) >>> 0;
  if (network !== address) {
    return {
      ok: false,
      reason: "host_bits",
      suggestion: `${[network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join(".")}/${prefixLength}`,
    };
  }
  return { ok: true, cidr: { network, prefixLength } };
}

function referenceMergeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: { first: number; last: number }[] = [];
  for (const r of sorted) {
    const top = merged[merged.length - 1];
    if (top && r.first <= top.last + 1) {
      if (r.last > top.last) top.last = r.last;
    } else {
      merged.push({ first: r.first, last: r.last });
    }
  }
  return merged;
}

/** Text that is often almost a CIDR: octets and lengths near the limits, stray characters. */
const piece = fc.oneof(
  fc.constantFrom("0", "00", "01", "1", "9", "10", "25", "32", "33", "99", "100", "255", "256", "300", "999", "1000", "0255", ""),
  fc.integer({ min: 0, max: 300 }).map(String),
  fc.constantFrom(" ", "-", "+", "x", "١", "٣", "\t", "1e1", "0x1", ".", "/"),
);
const nearCidr = fc.oneof(
  fc.tuple(piece, piece, piece, piece, piece).map(([a, b, c, d, n]) => `${a}.${b}.${c}.${d}/${n}`),
  fc.array(fc.oneof(piece, fc.constantFrom(".", "/")), { maxLength: 12 }).map((xs) => xs.join("")),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, n]) => `${formatIPv4(a)}/${n}`),
  fc.string({ maxLength: 20 }),
);

describe("fast CIDR parser equals the regex definition", () => {
  it("parseCidr on random near-CIDR text", () => {
    fc.assert(
      fc.property(nearCidr, (text) => expect(parseCidr(text)).toEqual(referenceParseCidr(text))),
      { numRuns: 20000 },
    );
  });
  it("parseIPv4 on random near-address text", () => {
    const nearAddress = nearCidr.map((t) => t.replace(/\/.*$/, ""));
    fc.assert(
      fc.property(nearAddress, (text) => parseIPv4(text) === referenceParseIPv4(text)),
      { numRuns: 20000 },
    );
  });
  it.each([
    "1.2.3.4/",
    "1.2.3.4/3 ",
    "1.2.3.4/+1",
    "1.2.3.4//1",
    "1.2.3.4/0x",
    "1.2.3.4/١",
    "٣.2.3.4/8",
    "1.2.3.4.",
    ".1.2.3/8",
    "1.2.3.4/٣٢",
  ])("edge case %p", (text) => expect(parseCidr(text)).toEqual(referenceParseCidr(text)));
  it("cidrKey accepts exactly what parseCidr accepts, keyed network * 64 + length", () => {
    fc.assert(
      fc.property(nearCidr, (text) => {
        const parsed = referenceParseCidr(text);
        const key = cidrKey(text);
        expect(key).toBe(parsed.ok ? parsed.cidr.network * 64 + parsed.cidr.prefixLength : -1);
        if (parsed.ok) {
          expect({ first: cidrKeyFirst(key), last: cidrKeyLast(key) }).toEqual(cidrRange(parsed.cidr));
          expect(formatCidrKey(key)).toBe(text);
        }
      }),
      { numRuns: 20000 },
    );
  });
  it("formatCidr inverts parseCidr", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (a, n) => {
        const network = (a & maskOf(n)) >>> 0;
        const text = formatCidr({ network, prefixLength: n });
        expect(parseCidr(text)).toEqual({ ok: true, cidr: { network, prefixLength: n } });
      }),
    );
  });
});

describe("mergeRanges with numeric sort keys equals the comparator sort", () => {
  const range = fc
    .tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }))
    .map(([a, b]) => ({ first: Math.min(a, b), last: Math.max(a, b) }));
  const small = fc.tuple(fc.nat({ max: 64 }), fc.nat({ max: 8 })).map(([f, len]) => ({ first: f, last: f + len }));
  const edges = fc.constantFrom(
    { first: 0, last: 0 },
    { first: 0, last: 0xffffffff },
    { first: 0xffffffff, last: 0xffffffff },
    { first: 0xfffffffe, last: 0xffffffff },
  );
  it("on random ranges (many ties, touching neighbours, the ends of the space)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(range, small, edges), { maxLength: 200 }), (ranges) => {
        expect(mergeRanges(ranges)).toEqual(referenceMergeRanges(ranges));
      }),
      { numRuns: 2000 },
    );
  });
  it("falls back to the comparator sort for values outside 32 bits", () => {
    const odd = [
      { first: 2 ** 33, last: 2 ** 33 + 5 },
      { first: 1, last: 2 },
      { first: 0.5, last: 3 },
    ];
    expect(mergeRanges(odd)).toEqual(referenceMergeRanges(odd));
  });
  it("does not modify its input", () => {
    const input = [
      { first: 5, last: 9 },
      { first: 1, last: 6 },
    ];
    mergeRanges(input);
    expect(input).toEqual([
      { first: 5, last: 9 },
      { first: 1, last: 6 },
    ]);
  });
});

describe("rangeToCidrs by bit arithmetic equals halving from the alignment", () => {
  function referenceRangeToCidrs(range: AddressRange): { network: number; prefixLength: number }[] {
    const out: { network: number; prefixLength: number }[] = [];
    let start = range.first;
    while (start <= range.last) {
      let size = start === 0 ? 2 ** 32 : start >= 0x80000000 && (start & 0x7fffffff) === 0 ? 0x80000000 : (start & -start) >>> 0;
      while (start + size - 1 > range.last) size /= 2;
      out.push({ network: start, prefixLength: 32 - Math.log2(size) });
      start += size;
    }
    return out;
  }
  it("on random ranges, including the ends of the space", () => {
    const bound = fc.oneof(fc.nat({ max: 0xffffffff }), fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff));
    fc.assert(
      fc.property(bound, bound, (a, b) => {
        const range = { first: Math.min(a, b), last: Math.max(a, b) };
        expect(rangeToCidrs(range)).toEqual(referenceRangeToCidrs(range));
      }),
      { numRuns: 5000 },
    );
  });
});

describe("collapseCidrTexts equals merging ranges and splitting every range", () => {
  const cidrText = fc
    .tuple(
      fc.oneof(
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 4096 }).map((n) => 0x0a000000 + n * 64),
      ),
      fc.integer({ min: 0, max: 32 }),
    )
    .map(([a, n]) => formatCidr({ network: (a & maskOf(n)) >>> 0, prefixLength: n }));
  const near = fc
    .integer({ min: 20, max: 32 })
    .chain((n) => fc.nat({ max: 255 }).map((k) => formatCidr({ network: (0x0a000000 + k * 2 ** (32 - n)) >>> 0, prefixLength: n })));
  function reference(texts: readonly string[]): { ranges: AddressRange[]; cidrs: string[] } {
    const ranges = mergeRanges(texts.map((t) => cidrRange(mustParseCidr(t))));
    return { ranges, cidrs: ranges.flatMap(rangeToCidrs).map(formatCidr) };
  }
  it("on random lists with nested, touching and repeated CIDRs", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(cidrText, near), { maxLength: 300 }), (texts) => {
        expect(collapseCidrTexts(texts)).toEqual(reference(texts));
      }),
      { numRuns: 2000 },
    );
  });
  it("beyond 2^15 inputs (no index in the sort key) as well", () => {
    const texts = Array.from({ length: 2 ** 15 + 7 }, (_, i) =>
      formatCidr({ network: 0x0a000000 + ((i * 7919) % 40000) * 4, prefixLength: 30 + (i % 3) }),
    );
    expect(collapseCidrTexts(texts)).toEqual(reference(texts));
  });
  it("refuses text that is not a valid CIDR", () => {
    expect(() => collapseCidrTexts(["10.0.0.0/8", "10.0.0.1/8"])).toThrow(/invalid CIDR "10.0.0.1\/8"/);
  });
});

describe("the validator's plain-entry path accepts only what its checked path accepts", () => {
  const entry = fc.record(
    {
      cidr: fc.oneof(nearCidr, fc.constantFrom("10.0.0.0/8", "10.0.0.0/24", "192.168.1.0/24")),
      description: fc.oneof(
        fc.constant(null),
        fc.string({ maxLength: 3 }),
        fc.constantFrom("a\u0000b", "x".repeat(256), "\ud800", 5 as never),
      ),
      id: fc.string({ maxLength: 2 }),
      note: fc.string({ maxLength: 2 }),
    },
    { requiredKeys: [] },
  );
  /**
   * The checked path alone, one entry at a time: an `id` field (read-only, so
   * the checked path ignores it) keeps the plain path from taking the entry;
   * ignoring unknown fields is done by dropping them first.
   */
  function checkedOnly(prefixes: Record<string, unknown>[], ignoreUnknownFields: boolean) {
    const issues: string[] = [];
    const accepted: { cidr: string; description: string | null }[] = [];
    prefixes.forEach((p, i) => {
      const known = ignoreUnknownFields ? Object.fromEntries(Object.entries(p).filter(([k]) => k === "cidr" || k === "description")) : p;
      const alone = validatePrefixListWrite({ name: "n", prefixes: [{ ...known, id: "x" }] });
      if (!alone.ok) issues.push(...alone.issues.map((issue) => issue.code + " " + issue.path.replace("[0]", `[${i}]`)));
      else accepted.push(alone.value.prefixes[0]);
    });
    return { issues, accepted };
  }
  it.each([false, true])("on random entries (ignoreUnknownFields %p)", (ignoreUnknownFields) => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (prefixes) => {
        const result = validatePrefixListWrite({ name: "n", prefixes }, { ignoreUnknownFields });
        const alone = checkedOnly(prefixes, ignoreUnknownFields);
        if (alone.issues.length) {
          expect(result.ok).toBe(false);
          if (!result.ok) for (const code of alone.issues) expect(result.issues.map((i) => i.code + " " + i.path)).toContain(code);
        } else {
          // Entries valid one by one: the list fails only for a repeated CIDR.
          const cidrs = alone.accepted.map((p) => p.cidr);
          const repeated = cidrs.some((c, i) => cidrs.indexOf(c) !== i);
          expect(result.ok).toBe(!repeated);
          if (result.ok) expect(result.value.prefixes).toEqual(alone.accepted);
          else expect(result.issues.every((i) => i.code === "duplicate_value")).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
  it("names the earlier entry of a repeated CIDR", () => {
    const result = validatePrefixListWrite({
      name: "n",
      prefixes: [{ cidr: "10.0.0.0/8" }, { cidr: "10.1.0.0/16" }, { cidr: "10.0.0.0/8" }],
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: "prefixes[2].cidr", code: "duplicate_value", message: "prefixes[2].cidr: 10.0.0.0/8 is already listed at prefixes[0]" },
      ],
    });
  });
});
