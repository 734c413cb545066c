/**
 * The ICMPv6 messages every site accepts whatever its rules say, on every hook,
 * before connection state is looked at (like loopback): IPv6 does not work
 * without them. From RFC 4890, sections 4.3.1 and 4.4.1 ("must not be
 * dropped"): the error messages that keep connections alive (path MTU
 * discovery included), and the link-local neighbour, router and multicast
 * listener discovery messages. Echo request/reply (128/129) and redirect (137)
 * are left to the rules. Hop limits are not checked: the kernel itself refuses
 * neighbour discovery that did not arrive with hop limit 255 (RFC 4861).
 *
 * Every platform renders this list and the oracle evaluates it; README's IPv6
 * section documents it.
 */
export interface EssentialIcmpv6 {
  type: number;
  /** The codes accepted; every code when absent. */
  codes?: readonly number[];
  name: string;
}

export const ESSENTIAL_ICMPV6: readonly EssentialIcmpv6[] = Object.freeze([
  { type: 1, name: "destination unreachable" },
  { type: 2, name: "packet too big" },
  { type: 3, codes: [0, 1], name: "time exceeded" },
  { type: 4, codes: [0, 1, 2], name: "parameter problem" },
  { type: 130, name: "multicast listener query" },
  { type: 131, name: "multicast listener report" },
  { type: 132, name: "multicast listener done" },
  { type: 133, name: "router solicitation" },
  { type: 134, name: "router advertisement" },
  { type: 135, name: "neighbour solicitation" },
  { type: 136, name: "neighbour advertisement" },
  { type: 141, name: "inverse neighbour discovery solicitation" },
  { type: 142, name: "inverse neighbour discovery advertisement" },
  { type: 143, name: "multicast listener report v2" },
  { type: 148, name: "certification path solicitation" },
  { type: 149, name: "certification path advertisement" },
  { type: 151, name: "multicast router advertisement" },
  { type: 152, name: "multicast router solicitation" },
  { type: 153, name: "multicast router termination" },
]);

/** Whether an ICMPv6 message of this type and code is always accepted. */
export function isEssentialIcmpv6(type: number, code: number): boolean {
  for (const m of ESSENTIAL_ICMPV6) if (m.type === type) return m.codes === undefined || m.codes.includes(code);
  return false;
}
