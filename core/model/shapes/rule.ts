/** Filter rules: what a write sends (FilterRuleWrite) and what a read returns (FilterRule). */
import { Type, type Static } from "@sinclair/typebox";
import { PROTOCOL_NAMES_ON_WRITE, type ProtocolNameOnWrite } from "../protocols";
import { LIMITS } from "./limits";
import { Echoed, type Writable, hinted, IdOf, Nullable, StringEnum, Text } from "./kit";

export const DIRECTIONS = ["inbound", "outbound"] as const;
export const ACTIONS = ["accept", "drop"] as const;
export type Direction = (typeof DIRECTIONS)[number];
export type Action = (typeof ACTIONS)[number];

const direction = StringEnum(DIRECTIONS, {
  description: "The direction of traffic: inbound (the input hook on a host), outbound (the output hook).",
});
const order = Type.Integer({
  minimum: LIMITS.order.min,
  maximum: LIMITS.order.max,
  description: "Processing order, unique within the group; lowest first.",
});
const protocolText =
  "IP protocol number; 0 = all. ICMP (1) needs an IPv4 address and ICMPv6 (58, ipv6-icmp) an IPv6 one; with a prefix list they match its members of that family.";
const protocol = Type.Integer({ minimum: LIMITS.protocol.min, maximum: LIMITS.protocol.max, description: protocolText });
/** On write, a number or a name (lower case), stored as its number: so a provider never sees a name come back as a change. */
const protocolWrite = Type.Unsafe<number | ProtocolNameOnWrite>({
  oneOf: [
    Type.Integer({ minimum: LIMITS.protocol.min, maximum: LIMITS.protocol.max }),
    Type.Unsafe({ type: "string", enum: Object.keys(PROTOCOL_NAMES_ON_WRITE) }),
  ],
  description: `${protocolText} A write may name it instead (${Object.keys(PROTOCOL_NAMES_ON_WRITE).join(", ")}: lower case); it is stored and returned as its number.`,
});
const port = hinted(
  Type.String({
    description:
      'TCP (6) and UDP (17) only: "80", "1024-2048" or a comma list of those (whitespace tolerated, normalized on write); "" for every other protocol.',
  }),
  { expected: 'a string such as "443" or ""', missing: 'is required (use "" for protocols without ports)', content: "parsed" },
);
const address = hinted(
  Type.String({
    description:
      "An IPv4 or IPv6 CIDR with host bits zero (10.0.0.0/24, 2001:db8::/32; 0.0.0.0/0 is all IPv4, ::/0 all IPv6; IPv6 is stored in RFC 5952 text, no zone id, no IPv4-mapped ::ffff:), an address range of one family, first to last inclusive (10.0.0.1-10.0.0.9, 2001:db8::1-2001:db8::9; stored as the CIDR when it is exactly one), a prefix list id (prfx_lst_...) or a security group id (sec_grp_..., its own group included) of this organization: a group matches the effective addresses of the sites it is attached to. A write may say self for the rule's own group (the members of the group talking to each other; usable on create, before the id exists): it is stored, and read back, as the group's id. A CIDR or range decides the rule's address family.",
  }),
  { expected: "an IPv4 or IPv6 CIDR, an address range, a prefix list id, a security group id or self", content: "parsed" },
);
const description = Text(LIMITS.ruleDescription, { description: "What the rule is for." });
const icmp = (what: string) =>
  Type.Integer({
    minimum: LIMITS.icmp.min,
    maximum: LIMITS.icmp.max,
    description: `Extension, ICMP (protocol 1) and ICMPv6 (protocol 58) only: ${what}.`,
  });
/** On write -1 means any, as null does (stored null): what AWS and Cloud Foundry write. */
const icmpWrite = (what: string) =>
  Type.Integer({
    minimum: LIMITS.icmpAny,
    maximum: LIMITS.icmp.max,
    description: `Extension, ICMP (protocol 1) and ICMPv6 (protocol 58) only: ${what}; -1 means the same as null (stored as null).`,
  });
const actionText = "Extension: what a match does.";
const logText = "Extension: log the packets this rule matches.";

export const FilterRuleWrite = Type.Object(
  {
    direction,
    order,
    protocol: protocolWrite,
    port,
    address,
    description,
    action: Type.Optional(StringEnum(ACTIONS, { default: "accept", description: actionText })),
    icmp_type: Type.Optional(Nullable(icmpWrite("the ICMP type to match; all types when null"), { default: null })),
    icmp_code: Type.Optional(Nullable(icmpWrite("the ICMP code to match; needs icmp_type"), { default: null })),
    log: Type.Optional(Type.Boolean({ default: false, description: logText })),
    id: Echoed("the rule id"),
  },
  { $id: "FilterRuleWrite", additionalProperties: false, description: "The writable properties of a filter rule." },
);
export type FilterRuleWrite = Writable<Static<typeof FilterRuleWrite>>;

export const FilterRule = Type.Object(
  {
    id: IdOf("rule"),
    direction,
    order,
    protocol,
    port,
    address,
    description,
    action: StringEnum(ACTIONS, { description: actionText }),
    icmp_type: Nullable(icmp("the ICMP type matched; all types when null")),
    icmp_code: Nullable(icmp("the ICMP code matched")),
    log: Type.Boolean({ description: logText }),
  },
  { $id: "FilterRule", description: "A stored filter rule, every optional field resolved." },
);
export type FilterRule = Static<typeof FilterRule>;

/** A validated, normalized rule: a stored rule before it has an id. */
export type NormalizedRuleWrite = Omit<FilterRule, "id">;
