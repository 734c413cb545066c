/**
 * Generators of IPv6 text for property tests (core/model/cidr6-node.test.ts,
 * test/integration/api/ipv6-fuzz.test.ts): valid addresses in every RFC 4291
 * form (fast-check's ipV6), the same mutated by a few character edits, text
 * assembled from address pieces, uncompressed eight-group spellings; CIDRs of
 * those; and Node's canonical text of a valid address as the reference.
 */
import fc from "fast-check";

/** Node's canonical text of a valid IPv6 address (WHATWG URL = RFC 5952 section 4; IPv4-mapped in hex: ::ffff:102:304). */
export const nodeCanonical = (address: string): string => new URL(`http://[${address}]`).hostname.slice(1, -1);

/** Eight four-digit groups, uncompressed: valid text, canonical only when no group has a leading zero and none is 0. */
export function fullText(value: bigint, upper = false): string {
  const text = value.toString(16).padStart(32, "0").match(/.{4}/g)!.join(":");
  return upper ? text.toUpperCase() : text;
}

export const prefixLength = fc.integer({ min: 0, max: 128 });
export const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });

/** Characters address text is made of, and a few it must not hold. */
const piece = fc.constantFrom(..."0123456789abcdefABCDEF::::....gG%/ []x\u0000\u00a0".split(""), "::", "ffff", "0000", "1.2.3.4", "255");

export interface Edit {
  at: number;
  kind: "insert" | "delete" | "replace";
  text: string;
}
export const edits: fc.Arbitrary<Edit[]> = fc.array(
  fc.record({ at: fc.nat(), kind: fc.constantFrom<Edit["kind"]>("insert", "delete", "replace"), text: piece }),
  { minLength: 1, maxLength: 3 },
);

export function applyEdits(text: string, list: readonly Edit[]): string {
  let out = text;
  for (const e of list) {
    const i = out.length === 0 ? 0 : e.at % (out.length + 1);
    if (e.kind === "insert") out = out.slice(0, i) + e.text + out.slice(i);
    else if (e.kind === "delete") out = out.slice(0, i) + out.slice(i + 1);
    else out = out.slice(0, i) + e.text + out.slice(i + 1);
  }
  return out;
}

/** A valid address, any spelling. */
export const validIPv6 = fc.oneof(
  fc.ipV6(),
  fc.tuple(u128, fc.boolean()).map(([v, upper]) => fullText(v, upper)),
);

/** Address text, about a quarter of it valid. */
export const ipv6Text = fc.oneof(
  validIPv6,
  fc.tuple(fc.ipV6(), edits).map(([a, e]) => applyEdits(a, e)),
  fc.array(piece, { maxLength: 14 }).map((parts) => parts.join("")),
);

/** CIDR text: valid addresses with a length (mostly host bits set), network-aligned ones, the same mutated, and garbage. */
export const cidr6Text = fc.oneof(
  fc.tuple(validIPv6, prefixLength).map(([a, p]) => `${a}/${p}`),
  fc.tuple(u128, prefixLength, fc.boolean()).map(([v, p, upper]) => {
    const mask = p === 0 ? 0n : ((1n << BigInt(p)) - 1n) << BigInt(128 - p);
    return `${fullText(v & mask, upper)}/${p}`;
  }),
  fc.tuple(fc.ipV6(), prefixLength, edits).map(([a, p, e]) => applyEdits(`${a}/${p}`, e)),
  fc
    .tuple(ipv6Text, fc.oneof(prefixLength.map(String), fc.constantFrom("", "0128", "129", "-1", "1e2", " 64")))
    .map(([a, p]) => `${a}/${p}`),
  fc.tuple(fc.ipV6(), fc.stringMatching(/^[0-9a-zA-Z._~-]{1,8}$/), prefixLength).map(([a, z, p]) => `${a}%${z}/${p}`),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);

/** The 128-bit value of a valid IPv6 address, read from Node's canonical (hex-only) text. */
export function ipv6Value(address: string): bigint {
  const [head, tail] = nodeCanonical(address).split("::");
  const groups = (text: string | undefined) => (text ? text.split(":") : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return all.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n);
}
