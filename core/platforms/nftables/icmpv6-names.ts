/** nft's symbolic names for ICMPv6 types and codes (`nft describe icmpv6 type`, `nft describe icmpv6 code`, nft 1.0.6), which `nft -j` prints. */

const ICMPV6_TYPES: Record<string, number> = {
  "destination-unreachable": 1,
  "packet-too-big": 2,
  "time-exceeded": 3,
  "parameter-problem": 4,
  "echo-request": 128,
  "echo-reply": 129,
  "mld-listener-query": 130,
  "mld-listener-report": 131,
  "mld-listener-done": 132,
  "mld-listener-reduction": 132,
  "nd-router-solicit": 133,
  "nd-router-advert": 134,
  "nd-neighbor-solicit": 135,
  "nd-neighbor-advert": 136,
  "nd-redirect": 137,
  "router-renumbering": 138,
  "ind-neighbor-solicit": 141,
  "ind-neighbor-advert": 142,
  "mld2-listener-report": 143,
};

/** nft prints these for any ICMPv6 type's code (they are the destination-unreachable codes). */
const ICMPV6_CODES: Record<string, number> = {
  "no-route": 0,
  "admin-prohibited": 1,
  "addr-unreachable": 3,
  "port-unreachable": 4,
  "policy-fail": 5,
  "reject-route": 6,
};

function lookup(table: Record<string, number>, what: string, value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^[0-9]+$/.test(value)) return Number(value);
  const n = typeof value === "string" && Object.hasOwn(table, value) ? table[value] : undefined;
  if (n === undefined) throw new Error(`unknown ${what} ${JSON.stringify(value)}`);
  return n;
}

export const icmpv6TypeNumber = (v: unknown) => lookup(ICMPV6_TYPES, "ICMPv6 type", v);
export const icmpv6CodeNumber = (v: unknown) => lookup(ICMPV6_CODES, "ICMPv6 code", v);
