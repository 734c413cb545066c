import fc from "fast-check";
import {
  cidrRange,
  collapseCidrs,
  containsAddress,
  formatCidr,
  formatIPv4,
  maskOf,
  mergeRanges,
  parseCidr,
  parseIPv4,
  rangeToCidrs,
  type Cidr,
} from "./cidr";

const c = (text: string): Cidr => {
  const p = parseCidr(text);
  if (!p.ok) throw new Error(`bad test CIDR ${text}`);
  return p.cidr;
};
const texts = (cidrs: Cidr[]) => cidrs.map(formatCidr);

describe("parseIPv4 / formatIPv4", () => {
  it.each([
    ["0.0.0.0", 0],
    ["255.255.255.255", 0xffffffff],
    ["10.0.0.1", 0x0a000001],
    ["192.168.1.254", 0xc0a801fe],
  ])("%s <-> %d", (text, value) => {
    expect(parseIPv4(text)).toBe(value);
    expect(formatIPv4(value)).toBe(text);
  });
  it.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.0.0.0",
    "01.2.3.4",
    "1.2.3.-4",
    "1.2.3.4 ",
    " 1.2.3.4",
    "1..3.4",
    "a.b.c.d",
    "1.2.3.0x4",
    "١.٢.٣.٤",
    "1.2.3.1000",
  ])("refuses %p", (text) => expect(parseIPv4(text)).toBeUndefined());
  it("round-trips every 32-bit value", () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (n) => parseIPv4(formatIPv4(n)) === n));
  });
});

describe("parseCidr", () => {
  it.each(["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/24", "255.255.255.255/32", "128.0.0.0/1", "192.168.1.128/25", "0.0.0.0/32"])(
    "accepts %s",
    (text) => {
      const p = parseCidr(text);
      expect(p.ok).toBe(true);
      if (p.ok) expect(formatCidr(p.cidr)).toBe(text);
    },
  );
  it.each([
    ["10.0.0.5/24", "10.0.0.0/24"],
    ["10.0.0.1/8", "10.0.0.0/8"],
    ["255.255.255.255/0", "0.0.0.0/0"],
    ["255.255.255.255/31", "255.255.255.254/31"],
    ["192.168.1.129/25", "192.168.1.128/25"],
    ["128.0.0.1/1", "128.0.0.0/1"],
  ])("host bits in %s -> suggests %s", (text, suggestion) => {
    expect(parseCidr(text)).toEqual({ ok: false, reason: "host_bits", suggestion });
  });
  it.each([
    "10.0.0.0",
    "10.0.0.0/",
    "10.0.0.0/33",
    "10.0.0.0/-1",
    "10.0.0.0/08",
    "10.0.0.0/8/8",
    "10.0.0/24",
    "/24",
    "10.0.0.0/ 8",
    "::/0",
    "10.0.0.0/1e1",
  ])("syntax error %p", (text) => expect(parseCidr(text)).toEqual({ ok: false, reason: "syntax" }));
  it("suggestion is the masked network, itself valid and containing the address", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (addr, len) => {
        const p = parseCidr(`${formatIPv4(addr)}/${len}`);
        if (p.ok) return (addr & maskOf(len)) >>> 0 === addr;
        if (p.reason !== "host_bits") return false;
        const s = parseCidr(p.suggestion);
        return s.ok && containsAddress(s.cidr, addr) && s.cidr.prefixLength === len;
      }),
    );
  });
});

describe("ranges", () => {
  it("cidrRange at the edges", () => {
    expect(cidrRange(c("0.0.0.0/0"))).toEqual({ first: 0, last: 0xffffffff });
    expect(cidrRange(c("255.255.255.255/32"))).toEqual({ first: 0xffffffff, last: 0xffffffff });
    expect(cidrRange(c("0.0.0.0/32"))).toEqual({ first: 0, last: 0 });
    expect(cidrRange(c("128.0.0.0/1"))).toEqual({ first: 0x80000000, last: 0xffffffff });
  });
  it("mergeRanges merges overlapping and touching ranges only", () => {
    expect(
      mergeRanges([
        { first: 10, last: 20 },
        { first: 21, last: 30 },
        { first: 40, last: 50 },
        { first: 45, last: 46 },
        { first: 0, last: 0 },
      ]),
    ).toEqual([
      { first: 0, last: 0 },
      { first: 10, last: 30 },
      { first: 40, last: 50 },
    ]);
    expect(mergeRanges([])).toEqual([]);
    expect(
      mergeRanges([
        { first: 0xfffffffe, last: 0xffffffff },
        { first: 0, last: 0xfffffffd },
      ]),
    ).toEqual([{ first: 0, last: 0xffffffff }]);
  });
  it("rangeToCidrs at the edges", () => {
    expect(texts(rangeToCidrs({ first: 0, last: 0xffffffff }))).toEqual(["0.0.0.0/0"]);
    expect(texts(rangeToCidrs({ first: 0xffffffff, last: 0xffffffff }))).toEqual(["255.255.255.255/32"]);
    expect(texts(rangeToCidrs({ first: 0, last: 0 }))).toEqual(["0.0.0.0/32"]);
    expect(texts(rangeToCidrs({ first: 1, last: 0xffffffff }))).toHaveLength(32);
    expect(texts(rangeToCidrs({ first: 0, last: 0xfffffffe }))).toHaveLength(32);
    expect(texts(rangeToCidrs({ first: 0x80000000, last: 0xffffffff }))).toEqual(["128.0.0.0/1"]);
    expect(texts(rangeToCidrs({ first: 0x7fffffff, last: 0x80000000 }))).toEqual(["127.255.255.255/32", "128.0.0.0/32"]);
    expect(texts(rangeToCidrs({ first: parseIPv4("10.0.0.0")!, last: parseIPv4("10.0.2.255")! }))).toEqual(["10.0.0.0/23", "10.0.2.0/24"]);
  });
});

describe("collapseCidrs", () => {
  it.each<[string[], string[]]>([
    [["0.0.0.0/0", "10.0.0.0/8", "255.255.255.255/32"], ["0.0.0.0/0"]],
    [["0.0.0.0/1", "128.0.0.0/1"], ["0.0.0.0/0"]],
    [["255.255.255.255/32", "255.255.255.254/32"], ["255.255.255.254/31"]],
    [["0.0.0.0/32", "0.0.0.1/32", "0.0.0.2/31"], ["0.0.0.0/30"]],
    [["10.0.0.0/24", "10.0.1.0/24"], ["10.0.0.0/23"]],
    [
      ["10.0.1.0/24", "10.0.2.0/24"],
      ["10.0.1.0/24", "10.0.2.0/24"],
    ], // touching but not alignable
    [["10.0.0.0/24", "10.0.0.128/25", "10.0.0.0/24"], ["10.0.0.0/24"]],
    [[], []],
  ])("%j -> %j", (input, output) => {
    expect(texts(collapseCidrs(input.map(c)))).toEqual(output);
  });

  const cidrArb = fc
    .tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
    .map(([a, l]) => ({ network: (a & maskOf(l)) >>> 0, prefixLength: l }));
  const covered = (cidrs: Cidr[], addr: number) => cidrs.some((x) => containsAddress(x, addr));

  it("covers exactly the same addresses (boundaries and random probes), minimal and disjoint", () => {
    fc.assert(
      fc.property(fc.array(cidrArb, { maxLength: 12 }), fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 20 }), (input, probes) => {
        const out = collapseCidrs(input);
        const edges = input.flatMap((x) => {
          const r = cidrRange(x);
          return [r.first, r.last, r.first - 1, r.last + 1].filter((v) => v >= 0 && v <= 0xffffffff);
        });
        for (const p of [...edges, ...probes, 0, 0xffffffff]) if (covered(out, p) !== covered(input, p)) return false;
        // sorted, disjoint, and no two neighbours could be one block
        const ranges = out.map(cidrRange);
        for (let i = 1; i < ranges.length; i++) if (ranges[i].first <= ranges[i - 1].last) return false;
        // idempotent
        return JSON.stringify(collapseCidrs(out)) === JSON.stringify(out);
      }),
      { numRuns: 500 },
    );
  });

  it("total size is preserved", () => {
    fc.assert(
      fc.property(fc.array(cidrArb, { maxLength: 10 }), (input) => {
        const size = (cs: Cidr[]) => mergeRanges(cs.map(cidrRange)).reduce((n, r) => n + (r.last - r.first + 1), 0);
        const out = collapseCidrs(input);
        return size(out) === size(input) && out.reduce((n, x) => n + 2 ** (32 - x.prefixLength), 0) === size(input);
      }),
      { numRuns: 300 },
    );
  });
});
