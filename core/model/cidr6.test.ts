/**
 * IPv6 text: RFC 5952's examples, refusals, host-bit suggestions, and the
 * char-code parser and formatter pinned to a plain BigInt definition written
 * here (and to Node's own IPv6 parsers as independent witnesses).
 */
import { isIPv6 } from "node:net";
import fc from "fast-check";
import {
  canonicalCidr6,
  cidr6Words,
  formatCidr6,
  formatIPv6,
  formatIPv6At,
  isCanonicalCidr6,
  mustParseCidr6,
  parseCidr6,
  parseIPv6,
  parseIPv6Into,
  readCidr6Rows,
  type Cidr6Parse,
  type IPv6Address,
} from "./cidr6";

// ---------------------------------------------------------------- the plain definition

const toWords = (v: bigint): IPv6Address => [0, 1, 2, 3].map((w) => Number((v >> BigInt(96 - 32 * w)) & 0xffffffffn)) as never;
const toBig = (a: IPv6Address): bigint => a.reduce((v, w) => (v << 32n) | BigInt(w), 0n);
const MAX = (1n << 128n) - 1n;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const DOTTED = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

/** RFC 4291 2.2 by splitting strings: undefined unless text is one address. */
function refParse(text: string): bigint | undefined {
  let body = text;
  let low: bigint | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const m = DOTTED.exec(text.slice(lastColon + 1));
    if (!m || m.slice(1).some((o) => Number(o) > 255)) return undefined;
    low = m.slice(1).reduce((v, o) => (v << 8n) | BigInt(o), 0n);
    body = text.slice(0, lastColon + 1) + "0:0"; // two placeholder groups
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (![...head, ...tail].every((g) => HEX_GROUP.test(g))) return undefined;
  const count = head.length + tail.length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const all = [...head, ...Array(8 - count).fill("0"), ...tail];
  let value = all.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (low !== undefined) value = (value & ~0xffffffffn) | low;
  return value;
}

/** RFC 5952 section 4 by building the group list; IPv4-mapped as ::ffff:a.b.c.d (section 5). */
function refFormat(v: bigint): string {
  if (v >> 32n === 0xffffn) return `::ffff:${[24n, 16n, 8n, 0n].map((s) => (v >> s) & 255n).join(".")}`;
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = Math.max(i, j);
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  return best.start < 0 ? hex(groups) : `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

const hostMaskOf = (len: number) => (1n << BigInt(128 - len)) - 1n;

function refParseCidr(text: string): Cidr6Parse {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const percent = addressText.indexOf("%");
  if (percent >= 0) {
    const zone = addressText.slice(percent + 1);
    const rest = slash < 0 ? "" : text.slice(slash);
    const zoned =
      refParse(addressText.slice(0, percent)) !== undefined && /^[A-Za-z0-9._~-]{1,64}$/.test(zone) && /^(\/[0-9]{1,3})?$/.test(rest);
    return { ok: false, reason: zoned ? "zone_id" : "syntax" };
  }
  const address = refParse(addressText);
  const lengthText = slash < 0 ? "" : text.slice(slash + 1);
  if (address === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(lengthText) || Number(lengthText) > 128)
    return { ok: false, reason: "syntax" };
  const len = Number(lengthText);
  const network = address & ~hostMaskOf(len);
  if (len >= 96 && network >> 32n === 0xffffn) {
    const v4 = Number(network & 0xffffffffn);
    return {
      ok: false,
      reason: "ipv4_mapped",
      suggestion: `${[v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255].join(".")}/${len - 96}`,
    };
  }
  if (network !== address) return { ok: false, reason: "host_bits", suggestion: `${refFormat(network)}/${len}` };
  const cidr = { network: toWords(network), prefixLength: len };
  return { ok: true, cidr, canonical: `${refFormat(network)}/${len}` };
}

// ---------------------------------------------------------------- generators

const address128 = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX }),
  // Sparse: many zero groups, so runs of zeros of every length and position.
  fc
    .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
    .map((gs) => gs.reduce((v, g) => (v << 16n) | BigInt(g), 0n)),
  fc.bigInt({ min: 0n, max: 0xffffffffn }).map((v4) => (0xffffn << 32n) | v4),
  fc.constantFrom(0n, 1n, MAX, 0xffffn << 32n, 1n << 127n),
);

/** Every way to write an address: any case, leading zeros, any zero run compressed, a dotted tail. */
const spelling = (v: bigint) =>
  fc
    .record({ upper: fc.boolean(), pad: fc.nat({ max: 3 }), gap: fc.nat({ max: 8 }), span: fc.nat({ max: 8 }), dotted: fc.boolean() })
    .map((how) => {
      const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
      const text = groups.map((g, i) => {
        const h = g.toString(16).padStart(Math.min(4, g.toString(16).length + ((i + how.pad) % 4)), "0");
        return how.upper ? h.toUpperCase() : h;
      });
      let parts: string[] = text;
      if (how.dotted) {
        const v4 = Number(v & 0xffffffffn);
        parts = [...text.slice(0, 6), `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`];
      }
      // Compress a zero run starting at `gap` (within the hex groups) if there is one.
      const hexCount = how.dotted ? 6 : 8;
      let end = how.gap;
      // Over part of the run or all of it.
      while (end < hexCount && end < how.gap + 1 + how.span && groups[end] === 0) end++;
      return end > how.gap ? parts.slice(0, how.gap).join(":") + "::" + parts.slice(end).join(":") : parts.join(":");
    });
const spelled = address128.chain((v) => spelling(v).map((text) => ({ v, text })));

/** Text that is often almost an address: groups near the limits, stray and doubled separators. */
const piece = fc.oneof(
  fc.constantFrom("0", "00", "0000", "00000", "1", "ffff", "FFFF", "fFfF", "10000", "g", "", "db8", "2001", "1.2.3.4", "01.2.3.4"),
  fc.integer({ min: 0, max: 0x1ffff }).map((n) => n.toString(16)),
  fc.constantFrom(":", "::", ":::", ".", "%", "%eth0", " ", "/", "x", "٣"),
);
const nearAddress = fc.oneof(
  fc.array(piece, { maxLength: 14 }).map((xs) => xs.join("")),
  fc.array(piece, { maxLength: 10 }).map((xs) => xs.join(":")),
  spelled.map((s) => s.text),
  fc.string({ maxLength: 12 }),
);
const lengthText = fc.oneof(
  fc.integer({ min: 0, max: 130 }).map(String),
  fc.constantFrom("", "00", "01", "064", "1e2", " 64", "64 ", "+1", "-0"),
);
const nearCidr = fc.oneof(
  fc.tuple(nearAddress, lengthText).map(([a, n]) => `${a}/${n}`),
  fc.tuple(address128, fc.integer({ min: 0, max: 128 })).map(([v, n]) => `${refFormat(v & ~hostMaskOf(n))}/${n}`),
  fc.tuple(spelled, fc.integer({ min: 0, max: 128 })).map(([s, n]) => `${s.text}/${n}`),
  fc
    .tuple(spelled, fc.constantFrom("%eth0", "%1", "%", "%en 0", "%a%b", "%é", `%${"z".repeat(64)}`, `%${"z".repeat(65)}`), lengthText)
    .map(([s, zone, n]) => `${s.text}${zone}/${n}`),
  nearAddress,
);

// ---------------------------------------------------------------- RFC 5952 and RFC 4291 examples

describe("formatIPv6: RFC 5952 section 4 and its examples", () => {
  it.each([
    // 4.1 leading zeros
    ["2001:0db8::0001", "2001:db8::1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:01", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"],
    // 4.2.1 shorten as much as possible
    ["2001:db8:0:0:0:0:2:1", "2001:db8::2:1"],
    ["2001:db8::0:1", "2001:db8::1"],
    ["2001:db8:0:0:0::1", "2001:db8::1"],
    ["2001:db8:0:0::1", "2001:db8::1"],
    ["2001:db8:0::1", "2001:db8::1"],
    // 4.2.2 one 16-bit 0 field is not compressed
    ["2001:db8::1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:db8:aaaa:bbbb:cccc:dddd::1", "2001:db8:aaaa:bbbb:cccc:dddd:0:1"],
    // 4.2.3 the longest run; the first of equal runs
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:0:aaaa::1", "2001:db8::aaaa:0:0:1"],
    // 4.3 lower case
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:AAAA", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"],
    ["2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa"],
    // section 2.1's variants of one address
    ["2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8::0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8::1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:0:1::1", "2001:db8::1:0:0:1"],
    ["2001:db8:0000:0:1::1", "2001:db8::1:0:0:1"],
    ["2001:DB8:0:0:1::1", "2001:db8::1:0:0:1"],
    // the ends of the space, and runs at either end
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["0:0:1:0:0:0:1:0", "0:0:1::1:0"],
    // dotted quads (RFC 4291 2.2 form 3): IPv4-mapped keep it (RFC 5952 section 5), others are hex
    ["::13.1.68.3", "::d01:4403"],
    ["0:0:0:0:0:FFFF:129.144.52.38", "::ffff:129.144.52.38"],
    ["::ffff:8190:3426", "::ffff:129.144.52.38"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
  ])("%s -> %s", (input, canonical) => {
    const address = parseIPv6(input);
    expect(address).toBeDefined();
    expect(formatIPv6(address!)).toBe(canonical);
    expect(parseIPv6(canonical)).toEqual(address);
  });

  it.each([
    "",
    ":",
    ":::",
    "1:::2",
    "::1::",
    "1::2::3",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1::2:3:4:5:6:7:8", // "::" must stand for at least one group
    ":1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:",
    "1:",
    ":1",
    "12345::",
    "g::",
    "::ffff:1.2.3",
    "::ffff:1.2.3.4.5",
    "::ffff:01.2.3.4",
    "::ffff:256.2.3.4",
    "::1.2.3.4:1",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1.2.3.4",
    "fe80::1%eth0",
    "fe80::1%",
    " ::1",
    "::1 ",
    "::٣",
    "[::1]",
    "0x1::",
  ])("refuses %p", (text) => {
    expect(parseIPv6(text)).toBeUndefined();
    expect(parseIPv6Into(text, new Uint32Array(4))).toBe(false);
  });
});

describe("parseIPv6 and formatIPv6 equal the plain definition", () => {
  it("on any spelling of random addresses", () => {
    fc.assert(
      fc.property(spelled, ({ v, text }) => {
        expect(parseIPv6(text)).toEqual(toWords(v));
        expect(formatIPv6(toWords(v))).toBe(refFormat(v));
      }),
      { numRuns: 5000 },
    );
  });
  it("on random near-address text (accepting exactly what the definition accepts)", () => {
    fc.assert(
      fc.property(nearAddress, (text) => {
        const ref = refParse(text);
        expect(parseIPv6(text)).toEqual(ref === undefined ? undefined : toWords(ref));
        // Node's own parser is a second witness (it allows zone ids; we do not).
        expect(parseIPv6(text) !== undefined).toBe(isIPv6(text) && !text.includes("%"));
      }),
      { numRuns: 8000 },
    );
  });
  it("formatIPv6 agrees with the WHATWG URL serializer (RFC 5952 compression) outside ::ffff:0:0/96", () => {
    fc.assert(
      fc.property(address128, (v) => {
        if (v >> 32n === 0xffffn) return;
        const text = formatIPv6(toWords(v));
        expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
      }),
      { numRuns: 5000 },
    );
  });
  it("formatIPv6At reads the words at an offset, parseIPv6Into writes them there", () => {
    fc.assert(
      fc.property(address128, fc.nat({ max: 5 }), (v, offset) => {
        const words = new Uint32Array(offset + 4).fill(7);
        expect(parseIPv6Into(refFormat(v), words, offset)).toBe(true);
        expect(Array.from(words.subarray(offset))).toEqual(toWords(v));
        expect(Array.from(words.subarray(0, offset))).toEqual(Array(offset).fill(7));
        expect(formatIPv6At(words, offset)).toBe(refFormat(v));
      }),
    );
  });
});

// ---------------------------------------------------------------- CIDRs

describe("parseCidr6", () => {
  it.each([
    ["::/0", "::/0"],
    ["::1/128", "::1/128"],
    ["2001:db8::/32", "2001:db8::/32"],
    ["2001:DB8::/32", "2001:db8::/32"],
    ["2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32"],
    ["fe80::/10", "fe80::/10"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"],
    ["::ffff:0:0/95", undefined], // host bits (::ffff:0:0 is not on a /95 boundary)
    ["::fffe:0:0/95", "::fffe:0:0/95"], // contains the mapped range, is not inside it
    ["::/80", "::/80"],
    ["64:ff9b::/96", "64:ff9b::/96"],
    ["::13.1.68.0/120", "::d01:4400/120"],
    ["2001:db8::0:1/128", "2001:db8::1/128"], // "::" over part of the zero run
    ["2001:db8:0::1/128", "2001:db8::1/128"],
    ["2001:db8::1:0:0:1/128", "2001:db8::1:0:0:1/128"],
    ["2001:db8:0:0:1::1/128", "2001:db8::1:0:0:1/128"], // not the first of equal runs
    ["2001:db8::1:1:1:1:1/128", "2001:db8:0:1:1:1:1:1/128"], // "::" for one group
  ])("%s -> %p", (text, canonical) => {
    expect(canonicalCidr6(text)).toBe(canonical);
    expect(isCanonicalCidr6(text)).toBe(text === canonical);
  });
  it("keeps the input string itself when it is canonical", () => {
    const parsed = parseCidr6("2001:db8::/48");
    expect(parsed).toEqual({ ok: true, cidr: { network: [0x20010db8, 0, 0, 0], prefixLength: 48 }, canonical: "2001:db8::/48" });
  });
  it.each([
    ["2001:db8::1/64", "2001:db8::/64"],
    ["2001:db8::1/32", "2001:db8::/32"],
    ["2001:DB8:0:0:8000::/33", "2001:db8::/33"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0", "::/0"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"],
    ["2001:db8:1:2:3:4:5:6/48", "2001:db8:1::/48"],
    ["::1/127", "::/127"],
    ["8000::1/1", "8000::/1"],
  ])("host bits in %s -> suggests %s", (text, suggestion) => {
    expect(parseCidr6(text)).toEqual({ ok: false, reason: "host_bits", suggestion });
  });
  it.each([
    ["::ffff:0:0/96", "0.0.0.0/0"],
    ["::ffff:10.0.0.0/104", "10.0.0.0/8"],
    ["::FFFF:a00:0/104", "10.0.0.0/8"],
    ["::ffff:10.0.0.1/104", "10.0.0.0/8"],
    ["::ffff:192.168.1.1/128", "192.168.1.1/32"],
    ["0:0:0:0:0:ffff:c0a8:100/120", "192.168.1.0/24"],
  ])("IPv4-mapped %s -> the IPv4 CIDR %s", (text, suggestion) => {
    expect(parseCidr6(text)).toEqual({ ok: false, reason: "ipv4_mapped", suggestion });
  });
  it.each(["fe80::1%eth0", "fe80::1%eth0/64", "fe80::%1/10", "fe80::1%en0.5_x~-/128", "fe80::1%eth0/129"])("zone id in %p", (text) => {
    expect(parseCidr6(text)).toEqual({ ok: false, reason: "zone_id" });
  });
  it.each([
    "2001:db8::",
    "2001:db8::/",
    "2001:db8::/129",
    "2001:db8::/-1",
    "2001:db8::/032",
    "2001:db8::/00",
    "2001:db8::/32/32",
    "2001:db8::/ 32",
    "2001:db8::/1e1",
    "/32",
    "10.0.0.0/8",
    "2001:db8:::/32",
    "fe80::1%/64",
    "fe80::1%eth 0/64",
    "fe80::1%eth0/",
    "fe80::1%eth0/1234",
    "fe80::1%eth0/6a",
    "fe80::1%eth0/64/64",
    "fe80::g%eth0",
    "[2001:db8::]/32",
  ])("syntax error %p", (text) => expect(parseCidr6(text)).toEqual({ ok: false, reason: "syntax" }));

  it("equals the plain definition on random near-CIDR text", () => {
    fc.assert(
      fc.property(nearCidr, (text) => expect(parseCidr6(text)).toEqual(refParseCidr(text))),
      { numRuns: 8000 },
    );
  });
  it("cidr6Words and isCanonicalCidr6 accept exactly what parseCidr6 accepts", () => {
    const out = new Uint32Array(6);
    fc.assert(
      fc.property(nearCidr, (text) => {
        const parsed = parseCidr6(text);
        const length = cidr6Words(text, out, 2);
        expect(length).toBe(parsed.ok ? parsed.cidr.prefixLength : -1);
        if (parsed.ok) expect(Array.from(out.subarray(2))).toEqual(parsed.cidr.network);
        expect(isCanonicalCidr6(text)).toBe(parsed.ok && parsed.canonical === text);
      }),
      { numRuns: 5000 },
    );
  });
  it("a host-bits suggestion is itself valid, canonical and contains the address", () => {
    fc.assert(
      fc.property(address128, fc.integer({ min: 0, max: 128 }), (v, len) => {
        const parsed = parseCidr6(`${refFormat(v)}/${len}`);
        if (parsed.ok || parsed.reason !== "host_bits") return;
        const suggested = parseCidr6(parsed.suggestion);
        expect(suggested.ok && suggested.canonical).toBe(parsed.suggestion);
        expect(toBig(mustParseCidr6(parsed.suggestion).network)).toBe(v & ~hostMaskOf(len));
      }),
    );
  });
  it("formatCidr6 inverts parseCidr6", () => {
    fc.assert(
      fc.property(address128, fc.integer({ min: 0, max: 128 }), (v, len) => {
        const network = v & ~hostMaskOf(len);
        if (len >= 96 && network >> 32n === 0xffffn) return; // refused: IPv4-mapped
        const text = formatCidr6({ network: toWords(network), prefixLength: len });
        expect(parseCidr6(text)).toEqual({ ok: true, cidr: { network: toWords(network), prefixLength: len }, canonical: text });
      }),
    );
  });
  it("mustParseCidr6 throws on text parseCidr6 refuses", () => {
    expect(() => mustParseCidr6("2001:db8::1/64")).toThrow(/invalid IPv6 CIDR "2001:db8::1\/64"/);
  });
});

describe("readCidr6Rows", () => {
  it("packs network words and length per text, flags canonical text, and throws on the first refused one", () => {
    const rows = new Uint32Array(15);
    const canonical = new Uint8Array(3);
    readCidr6Rows(["2001:db8::/32", "2001:DB8:1::/48", "::/0"], rows, canonical);
    expect(Array.from(rows)).toEqual([0x20010db8, 0, 0, 0, 32, 0x20010db8, 0x00010000, 0, 0, 48, 0, 0, 0, 0, 0]);
    expect(Array.from(canonical)).toEqual([1, 0, 1]);
    expect(() => readCidr6Rows(["::/0", "::1/64"], new Uint32Array(10), new Uint8Array(2))).toThrow(/invalid IPv6 CIDR "::1\/64"/);
  });
});
