/**
 * iptables render: one text with three sections, split by splitIptablesConfig.
 *
 *   #== ipset      for `ipset restore`. Each prefix list is a hash:net set
 *                  `sg-<list id suffix>`; it is created if missing, a temporary
 *                  copy `sgt-...` is filled, swapped in and destroyed, so rules
 *                  never see a half-filled set.
 *   #== iptables   for `iptables-restore --noflush`: declares (and so flushes)
 *                  only our chains secgroups-input/-output(/-forward) and fills
 *                  them, committed as one table replacement; other chains stay.
 *   #== jumps      rule specs the agent ensures once: `iptables -C <spec>` or
 *                  else `iptables -I <chain> 1 <jump>` (restore cannot add a rule
 *                  idempotently). Before the first jump exists nothing is
 *                  filtered by us, so the order never opens a gap.
 *
 * Apply in that order: sets exist before rules refer to them. The control-plane
 * set `secgroups-cp` (hash:ip,port) is matched in our output chain; the agent
 * appends controlPlaneIpset(...) to the ipset section, which fills a temporary
 * copy and swaps it in. Written for Debian's default iptables (iptables-nft);
 * the file is iptables-legacy compatible too. IPv4 only: IPv6 (ip6tables) is
 * not touched.
 */
import { formatCidr, formatIPv4, formatPorts, protocolName, PROTOCOL, type PortRange } from "../../model";
import { hooksOf, parseControlPlaneEndpoint, referencedListIds, rulesOnHook, type NormalizedPolicy, type PolicyRule } from "../../policy";
import type { ControlPlaneAddress } from "../platform";
import { BUILTIN_CHAIN, IPSET_CONTROL_PLANE, IPSET_CONTROL_PLANE_NEXT, IPTABLES_CHAIN, ipsetName, ipsetNext } from "./names";

/** iptables' LOG prefix limit. */
const LOG_PREFIX_MAX = 29;
/** multiport takes at most 15 ports, a range counting as two. */
const MULTIPORT_SLOTS = 15;

const SECTION = { ipset: "#== ipset", iptables: "#== iptables", jumps: "#== jumps" } as const;

export interface IptablesConfig {
  /** Input of `ipset restore`. */
  ipset: string;
  /** Input of `iptables-restore --noflush`. */
  iptables: string;
  /** Jumps the agent ensures exist at the top of the built-in chains. */
  jumps: { chain: string; rule: string[] }[];
}

export function renderIptables(policy: NormalizedPolicy): string {
  return joinIptablesConfig(compileIptables(policy));
}

export function compileIptables(policy: NormalizedPolicy): IptablesConfig {
  const sets: string[] = [
    `create ${IPSET_CONTROL_PLANE} hash:ip,port family inet -exist`,
    `create ${IPSET_CONTROL_PLANE_NEXT} hash:ip,port family inet -exist`,
    `flush ${IPSET_CONTROL_PLANE_NEXT}`,
  ];
  const used = referencedListIds(policy);
  for (const list of policy.prefixLists) {
    if (!used.has(list.id)) continue;
    const name = ipsetName(list.id);
    const next = ipsetNext(list.id);
    sets.push(`create ${name} hash:net family inet -exist`, `create ${next} hash:net family inet -exist`, `flush ${next}`);
    // One flat string per list: 100k template strings would each survive until the final join (GC).
    if (list.cidrs.length) sets.push(`add ${next} ` + list.cidrs.join(`\nadd ${next} `));
    sets.push(`swap ${next} ${name}`, `destroy ${next}`);
  }

  const hooks = hooksOf(policy);
  // Declaring a chain flushes it: declare all three, so leaving router mode empties the forward chain.
  const rules: string[] = ["*filter", ...(Object.values(IPTABLES_CHAIN) as string[]).map((c) => `:${c} - [0:0]`)];
  for (const hook of hooks) {
    const chain = IPTABLES_CHAIN[hook];
    if (hook === "input") rules.push(`-A ${chain} -i lo -j ACCEPT`);
    if (hook === "output") rules.push(`-A ${chain} -o lo -j ACCEPT`);
    rules.push(`-A ${chain} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A ${chain} -m conntrack --ctstate INVALID -j DROP`);
    if (hook === "output") rules.push(`-A ${chain} -p tcp -m set --match-set ${IPSET_CONTROL_PLANE} dst,dst -j ACCEPT`);
    for (const rule of rulesOnHook(policy, hook)) rules.push(...iptablesRule(chain, rule));
    rules.push(`-A ${chain} -j DROP`);
  }
  rules.push("COMMIT");

  return {
    ipset: sets.join("\n") + "\n",
    iptables: rules.join("\n") + "\n",
    jumps: hooks.map((h) => ({ chain: BUILTIN_CHAIN[h], rule: ["-j", IPTABLES_CHAIN[h]] })),
  };
}

function iptablesRule(chain: string, rule: PolicyRule): string[] {
  const m: string[] = [];
  if (rule.protocol !== PROTOCOL.ALL) m.push(`-p ${iptablesProtocol(rule.protocol)}`);
  const flag = rule.direction === "inbound" ? "-s" : "-d";
  if (rule.address.kind === "cidr" && rule.address.family === 6) throw new Error("TODO(#14): IPv6 rules on iptables");
  if (rule.address.kind === "cidr") m.push(`${flag} ${formatCidr(rule.address.cidr)}`);
  if (rule.address.kind === "prefixList") {
    m.push(`-m set --match-set ${ipsetName(rule.address.id)} ${rule.direction === "inbound" ? "src" : "dst"}`);
  }
  if (rule.icmpType !== null) {
    m.push(`-m icmp --icmp-type ${rule.icmpType}${rule.icmpCode !== null ? `/${rule.icmpCode}` : ""}`);
  }
  m.push(`-m comment --comment "${rule.id}"`);
  const target = rule.action === "accept" ? "ACCEPT" : "DROP";
  const out: string[] = [];
  // A long port list becomes consecutive rules with the same target: same first match.
  for (const ports of rule.ports ? portMatches(rule.protocol, rule.ports) : [""]) {
    const matches = [...m.slice(0, -1), ...(ports ? [ports] : []), m[m.length - 1]].join(" ");
    if (rule.log) out.push(`-A ${chain} ${matches} -j LOG --log-prefix "${logPrefix(rule.id)}"`);
    out.push(`-A ${chain} ${matches} -j ${target}`);
  }
  return out;
}

function iptablesProtocol(protocol: number): string {
  return protocol === PROTOCOL.TCP || protocol === PROTOCOL.UDP || protocol === PROTOCOL.ICMP ? protocolName(protocol) : String(protocol);
}

function portMatches(protocol: number, ports: PortRange[]): string[] {
  const name = protocolName(protocol);
  if (ports.length === 1) return [`-m ${name} --dport ${formatPorts(ports).replace("-", ":")}`];
  const chunks: PortRange[][] = [[]];
  let slots = 0;
  for (const r of ports) {
    const cost = r.from === r.to ? 1 : 2;
    if (slots + cost > MULTIPORT_SLOTS) {
      chunks.push([]);
      slots = 0;
    }
    chunks[chunks.length - 1].push(r);
    slots += cost;
  }
  return chunks.map((c) => `-m multiport --dports ${formatPorts(c).replace(/-/g, ":")}`);
}

/** "sg <end of rule id> " within iptables' 29 characters (the end is what differs); the comment carries the full id. */
function logPrefix(ruleId: string): string {
  return `sg ${ruleId.slice(-(LOG_PREFIX_MAX - 4))} `;
}

/** Lines the agent appends to the ipset section: fill the next control-plane set, swap it in. */
export function controlPlaneIpset(addrs: readonly ControlPlaneAddress[]): string {
  const lines = addrs
    .map(parseControlPlaneEndpoint)
    .flatMap((e) => (e.family !== 4 ? [] : `add ${IPSET_CONTROL_PLANE_NEXT} ${formatIPv4(e.address)},tcp:${e.port}`));
  lines.push(`swap ${IPSET_CONTROL_PLANE_NEXT} ${IPSET_CONTROL_PLANE}`, `destroy ${IPSET_CONTROL_PLANE_NEXT}`);
  return lines.join("\n") + "\n";
}

export function joinIptablesConfig(config: IptablesConfig): string {
  return (
    [
      "# secgroups iptables configuration. Apply the sections in order:",
      "#   ipset restore < ipset; iptables-restore --noflush < iptables; then ensure each jump",
      "#   (iptables -C CHAIN RULE || iptables -I CHAIN 1 RULE).",
      SECTION.ipset,
      config.ipset.trimEnd(),
      SECTION.iptables,
      config.iptables.trimEnd(),
      SECTION.jumps,
      ...config.jumps.map((j) => `${j.chain} ${j.rule.join(" ")}`),
    ].join("\n") + "\n"
  );
}

/** The sections of a rendered iptables configuration. */
export function splitIptablesConfig(text: string): IptablesConfig {
  const sections: Record<string, string[]> = {};
  let current: string | undefined;
  for (const line of text.split("\n")) {
    const section = Object.entries(SECTION).find(([, marker]) => line === marker);
    if (section) {
      current = section[0];
      sections[current] = [];
    } else if (current !== undefined && line !== "") sections[current].push(line);
  }
  for (const name of Object.keys(SECTION)) {
    if (!sections[name]) throw new Error(`iptables configuration has no "${SECTION[name as keyof typeof SECTION]}" section`);
  }
  return {
    ipset: sections.ipset.join("\n") + "\n",
    iptables: sections.iptables.join("\n") + "\n",
    jumps: sections.jumps.map((line) => {
      const [chain, ...rule] = line.split(" ");
      return { chain, rule };
    }),
  };
}
