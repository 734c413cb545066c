/**
 * Property test: the IPv6 parser agrees with Node's own. `net.isIPv6` decides
 * which address text is valid, WHATWG URL serialization (`new URL("http://[a]")`,
 * RFC 5952 section 4: lower case, no leading zeros, the first longest run of
 * two or more zero groups as `::`) gives the canonical text, and `net.BlockList`
 * decides which addresses a CIDR holds. BigInt is fine here: this is the
 * plain version the hand-written parser is pinned to.
 */
import { BlockList, isIPv6 } from "node:net";
import fc from "fast-check";
import {
  applyEdits,
  edits,
  fullText,
  ipv6Text,
  ipv6Value,
  nodeCanonical,
  prefixLength,
  u128,
  validIPv6,
} from "../../test/support/ipv6-text";
import { parseAddressCidr } from "./address";
import { formatIPv6, parseIPv6 } from "./cidr6";

const RUNS = Number(process.env.CIDR6_NODE_RUNS ?? 1500);

const mask = (length: number) => (length === 0 ? 0n : ((1n << BigInt(length)) - 1n) << BigInt(128 - length));
const isMapped = (value: bigint) => value >> 32n === 0xffffn;

function inSubnet(address: string, network: string, length: number): boolean {
  const list = new BlockList();
  list.addSubnet(network, length, "ipv6");
  return list.check(address, "ipv6");
}

// ---------------------------------------------------------------- properties

describe("IPv6 text against Node (net.isIPv6, URL, BlockList)", () => {
  it("parseIPv6 accepts exactly what net.isIPv6 accepts (no zone ids) and formats as URL does", () => {
    fc.assert(
      fc.property(
        ipv6Text.filter((s) => !s.includes("%")),
        (text) => {
          const parsed = parseIPv6(text);
          expect(parsed !== undefined).toBe(isIPv6(text));
          if (parsed === undefined) return;
          const formatted = formatIPv6(parsed);
          // RFC 5952 section 5 writes IPv4-mapped addresses with a dotted quad; URL does not. Same address either way.
          if (formatted.startsWith("::ffff:") && formatted.includes(".")) expect(nodeCanonical(formatted)).toBe(nodeCanonical(text));
          else expect(formatted).toBe(nodeCanonical(text));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("a CIDR of a valid address: accepted iff host bits are zero and it is not IPv4-mapped; canonical and members as Node has them", () => {
    fc.assert(
      fc.property(validIPv6, prefixLength, (address, length) => {
        const value = ipv6Value(address);
        const network = value & mask(length);
        const parsed = parseAddressCidr(`${address}/${length}`);
        if (length >= 96 && isMapped(network)) {
          expect(parsed).toMatchObject({ ok: false, reason: "ipv4_mapped", family: 6 });
        } else if (network !== value) {
          expect(parsed).toMatchObject({ ok: false, reason: "host_bits", family: 6 });
          if (parsed.ok) return;
          const suggestion = parsed.suggestion!;
          expect(suggestion).toBe(`${nodeCanonical(fullText(network, false))}/${length}`);
          expect(inSubnet(address, suggestion.split("/")[0], length)).toBe(true);
          expect(parseAddressCidr(suggestion)).toMatchObject({ ok: true, canonical: suggestion });
        } else {
          expect(parsed).toMatchObject({ ok: true, family: 6, canonical: `${nodeCanonical(address)}/${length}` });
          if (!parsed.ok) return;
          expect(inSubnet(address, parsed.canonical.split("/")[0], length)).toBe(true);
          // The last address of the network is a member; the one after it (when there is one) is not.
          const last = network | (mask(128 - length) >> BigInt(length));
          expect(inSubnet(fullText(last, false), parsed.canonical.split("/")[0], length)).toBe(true);
          if (last < (1n << 128n) - 1n) expect(inSubnet(fullText(last + 1n, false), parsed.canonical.split("/")[0], length)).toBe(false);
          // Storing is idempotent: the canonical text parses to itself.
          expect(parseAddressCidr(parsed.canonical)).toMatchObject({ ok: true, canonical: parsed.canonical });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("a network-aligned CIDR in any spelling is accepted with Node's canonical text", () => {
    fc.assert(
      fc.property(u128, prefixLength, fc.boolean(), (value, length, upper) => {
        const network = value & mask(length);
        fc.pre(!(length >= 96 && isMapped(network)));
        const text = fullText(network, upper);
        expect(parseAddressCidr(`${text}/${length}`)).toMatchObject({ ok: true, family: 6, canonical: `${nodeCanonical(text)}/${length}` });
      }),
      { numRuns: RUNS },
    );
  });

  it("mutated CIDR text is accepted only when its address is valid to Node and the rest is /0-/128", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.ipV6(), prefixLength, edits).map(([a, p, edits]) => applyEdits(`${a}/${p}`, edits)),
        (text) => {
          const parsed = parseAddressCidr(text);
          const slash = text.lastIndexOf("/");
          const address = text.slice(0, slash);
          const lengthText = text.slice(slash + 1);
          const wellFormed =
            slash > 0 && !address.includes("%") && isIPv6(address) && /^(0|[1-9][0-9]{0,2})$/.test(lengthText) && Number(lengthText) <= 128;
          if (!wellFormed) {
            expect(parsed.ok).toBe(false);
            if (!parsed.ok) expect(parsed.message).toMatch(/^".*"/);
            return;
          }
          const length = Number(lengthText);
          const value = ipv6Value(address);
          const aligned = (value & mask(length)) === value && !(length >= 96 && isMapped(value));
          expect(parsed.ok).toBe(aligned);
          if (parsed.ok) expect(parsed.canonical).toBe(`${nodeCanonical(address)}/${length}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("refuses a zone id Node would accept in an address", () => {
    fc.assert(
      fc.property(fc.ipV6(), fc.stringMatching(/^[0-9a-zA-Z.-]{1,16}$/), prefixLength, (address, zone, length) => {
        expect(isIPv6(`${address}%${zone}`)).toBe(true);
        expect(parseAddressCidr(`${address}%${zone}/${length}`)).toMatchObject({ ok: false, reason: "zone_id", family: 6 });
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
