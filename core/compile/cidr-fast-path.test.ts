/**
 * The compiler's hot paths in core/model/cidr.ts (char-code parser, numeric-key
 * sort in mergeRanges) against the straightforward definitions they replaced,
 * on random inputs including invalid ones.
 */
import fc from "fast-check";
import { formatCidr, formatIPv4, maskOf, mergeRanges, parseCidr, parseIPv4, rangeToCidrs, type AddressRange, type CidrParse } from "../model";

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
    return { ok: false, reason: "host_bits", suggestion: `${[network >>> 24, (network >>> 16) & 255, (network >>> 8) & 255, network & 255].join(".")}/${prefixLength}` };
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
    fc.assert(fc.property(nearCidr, (text) => expect(parseCidr(text)).toEqual(referenceParseCidr(text))), { numRuns: 20000 });
  });
  it("parseIPv4 on random near-address text", () => {
    const nearAddress = nearCidr.map((t) => t.replace(/\/.*$/, ""));
    fc.assert(fc.property(nearAddress, (text) => parseIPv4(text) === referenceParseIPv4(text)), { numRuns: 20000 });
  });
  it.each(["1.2.3.4/", "1.2.3.4/3 ", "1.2.3.4/+1", "1.2.3.4//1", "1.2.3.4/0x", "1.2.3.4/١", "٣.2.3.4/8", "1.2.3.4.", ".1.2.3/8", "1.2.3.4/٣٢"])(
    "edge case %p",
    (text) => expect(parseCidr(text)).toEqual(referenceParseCidr(text)),
  );
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
  const edges = fc.constantFrom({ first: 0, last: 0 }, { first: 0, last: 0xffffffff }, { first: 0xffffffff, last: 0xffffffff }, { first: 0xfffffffe, last: 0xffffffff });
  it("on random ranges (many ties, touching neighbours, the ends of the space)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(range, small, edges), { maxLength: 200 }), (ranges) => {
        expect(mergeRanges(ranges)).toEqual(referenceMergeRanges(ranges));
      }),
      { numRuns: 2000 },
    );
  });
  it("falls back to the comparator sort for values outside 32 bits", () => {
    const odd = [{ first: 2 ** 33, last: 2 ** 33 + 5 }, { first: 1, last: 2 }, { first: 0.5, last: 3 }];
    expect(mergeRanges(odd)).toEqual(referenceMergeRanges(odd));
  });
  it("does not modify its input", () => {
    const input = [{ first: 5, last: 9 }, { first: 1, last: 6 }];
    mergeRanges(input);
    expect(input).toEqual([{ first: 5, last: 9 }, { first: 1, last: 6 }]);
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
