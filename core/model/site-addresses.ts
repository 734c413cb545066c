/**
 * A site's addresses: what the organization declares (`addresses`, any CIDR)
 * and what the site's agent reports (`reported_addresses`, host addresses
 * only). What reaches other sites' firewalls through a group reference is the
 * site's effective set, defined here once.
 *
 * A site token is a weaker credential than an organization token, so a report
 * may name only host addresses that a host can hold as its own global unicast
 * address: one /32 or /128 each, never unspecified, loopback, link-local,
 * multicast or reserved space. A stolen site token can then add at most
 * `LIMITS.siteAddresses` single hosts to the groups its site is in, never a
 * network, and never open anything on a site whose addresses are declared.
 */
import type { Cidr } from "./cidr";
import type { Cidr6 } from "./cidr6";

/**
 * The addresses that stand for the site in rules that reference its groups:
 * declared when any, else reported. The one definition: the deploy, change
 * detection and policy documents (core/policy/group-references.ts) use it.
 */
export function effectiveAddresses(site: {
  addresses?: readonly string[] | null;
  reported_addresses?: readonly string[] | null;
}): readonly string[] {
  return site.addresses?.length ? site.addresses : (site.reported_addresses ?? []);
}

/** Whether two address lists hold the same addresses (order ignored). */
export function sameAddresses(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((x) => set.has(x));
}

/** IPv4 space no host holds as its own unicast address: [network, prefix length, what it is]. */
const NOT_HOST4: readonly [number, number, string][] = [
  [0x00000000, 8, "unspecified (0.0.0.0/8)"],
  [0x7f000000, 8, "loopback (127.0.0.0/8)"],
  [0xa9fe0000, 16, "link-local (169.254.0.0/16)"],
  [0xe0000000, 4, "multicast (224.0.0.0/4)"],
  [0xf0000000, 4, "reserved or broadcast (240.0.0.0/4)"],
];

/** IPv6 space likewise, by the first 32-bit word: [first word, prefix length (<= 32), what it is]. */
const NOT_HOST6: readonly [number, number, string][] = [
  [0xfe800000, 10, "link-local (fe80::/10)"],
  [0xff000000, 8, "multicast (ff00::/8)"],
];

/** Why `address` (host bits of its own network) is no host's own unicast address; undefined when it is one. */
function nonHost4(address: number): string | undefined {
  for (const [network, length, what] of NOT_HOST4) {
    if (address >>> (32 - length) === network >>> (32 - length)) return what;
  }
  return undefined;
}

function nonHost6(words: readonly number[]): string | undefined {
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] <= 1) {
    return words[3] === 0 ? "unspecified (::)" : "loopback (::1)";
  }
  for (const [first, length, what] of NOT_HOST6) {
    if (words[0] >>> (32 - length) === first >>> (32 - length)) return what;
  }
  return undefined;
}

/**
 * Why a parsed CIDR cannot be a reported address (a sentence for the 422),
 * undefined when it can: a single host that is global unicast.
 */
export function reportedAddressRefusal(parsed: { family: 4; cidr: Cidr } | { family: 6; cidr: Cidr6 }, text: string): string | undefined {
  const host = parsed.family === 4 ? 32 : 128;
  if (parsed.cidr.prefixLength !== host) {
    return `${JSON.stringify(text)} is a network; an agent reports single host addresses only (/${host})`;
  }
  const what = parsed.family === 4 ? nonHost4(parsed.cidr.network) : nonHost6(parsed.cidr.network);
  return what === undefined ? undefined : `${JSON.stringify(text)} is ${what}, not a global unicast host address`;
}
