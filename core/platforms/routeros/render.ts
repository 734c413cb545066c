/**
 * RouterOS v7 render: a script for `/import` that is safe to import again.
 *
 * RouterOS has no transactions, so the script keeps two slots ("a" and "b") and
 * only ever builds the slot that is not jumped to:
 *   1. slot := the slot no jump points at (the other one is live, or none is);
 *   2. remove leftovers of the new slot (an interrupted import): not jumped to,
 *      so not enforced;
 *   3. add the new slot's address lists and chains (secgroups-<hook>-<slot>),
 *      each ending in drop;
 *   4. add jumps to the new chains at the top of input/output(/forward): from
 *      here the new slot decides every packet (its chains end in a verdict, so
 *      nothing returns to the old jumps below);
 *   5. remove the old slot's jumps, chains and address lists.
 * At every step one complete slot decides, so no packet meets a gap. Everything
 * secgroups owns carries a comment starting with "secgroups:" (rule comments
 * carry the rule id) and nothing else is touched. The control-plane exception
 * accepts tcp to the address list `secgroups-control-plane`, which the
 * bootstrap fills (any port: address lists hold no ports).
 *
 * IPv6 goes through the same steps in `/ipv6 firewall`, a table of its own
 * with its own slot variable (names.ts): a rule is rendered in the table of
 * each family it applies to (a prefix-list rule in both, each with that
 * family's address list), and the IPv6 chains accept the essential ICMPv6
 * messages (core/policy/icmpv6.ts) before connection state is looked at.
 *
 * A referenced group is an address list per family like a prefix list
 * (names.ts groupListName), shared by its rules. RouterOS has no empty address
 * list: a group without members of a family has no entries there, and a rule
 * naming a list without entries matches nothing, as the group does.
 */
import { formatCidr, formatCidr6, formatPorts, protocolName, PROTOCOL, type AddressFamily } from "../../model";
import {
  ESSENTIAL_ICMPV6,
  hooksOf,
  referencedGroupIds,
  referencedListIds,
  rulesOnHook,
  type Hook,
  type NormalizedPolicy,
  type PolicyRule,
} from "../../policy";
import { chainName, firewallMenu, groupListName, listName, ROUTEROS_CONTROL_PLANE_LIST, slotTag, slotVariables } from "./names";

const FAMILIES: readonly AddressFamily[] = [4, 6];

export function renderRouteros(policy: NormalizedPolicy): string {
  const hooks = hooksOf(policy);
  const out: string[] = [
    `# secgroups RouterOS v7 script (${policy.mode} mode). Import with /import; safe to import again.`,
    "# Builds the slot that is not live, jumps to it, then removes the old slot (see docs/routeros.md).",
    "# IPv4 (/ip firewall) and IPv6 (/ipv6 firewall) each switch slots on their own.",
    "{",
  ];
  for (const family of FAMILIES) out.push(...slotChoice(family));
  out.push("# Leftovers of an interrupted import into this slot are not jumped to.");
  for (const family of FAMILIES) {
    const { slot } = slotVariables(family);
    out.push(
      `${firewallMenu(family)} filter remove [find where comment~("^secgroups:" . $${slot} . ":")]`,
      `${firewallMenu(family)} address-list remove [find where comment=("secgroups:" . $${slot} . ":list")]`,
    );
  }
  for (const family of FAMILIES) {
    addressLists(policy, family, out);
    for (const hook of hooks) chain(policy, hook, family, out);
  }
  // Our chains were just added, so each filter table has a first rule to place the jumps before.
  for (const family of FAMILIES) {
    const menu = firewallMenu(family);
    for (const hook of hooks) {
      out.push(
        `${menu} filter add chain=${hook} action=jump jump-target=${chainName(hook, family)} ` +
          `comment=("secgroups:jump:" . $${slotVariables(family).slot}) place-before=[:pick [${menu} filter find where dynamic=no] 0]`,
      );
    }
  }
  out.push("# The new slot decides from here; remove the old one.");
  for (const family of FAMILIES) {
    const menu = firewallMenu(family);
    const { old } = slotVariables(family);
    out.push(
      `${menu} filter remove [find where comment=("secgroups:jump:" . $${old})]`,
      `${menu} filter remove [find where comment~("^secgroups:" . $${old} . ":")]`,
      `${menu} address-list remove [find where comment=("secgroups:" . $${old} . ":list")]`,
    );
  }
  out.push("}");
  return out.join("\n") + "\n";
}

/** The slot a family's table builds: the one no jump of that table points at. */
function slotChoice(family: AddressFamily): string[] {
  const { slot, old } = slotVariables(family);
  return [
    `:local ${slot} "a"`,
    `:if ([:len [${firewallMenu(family)} filter find where comment="secgroups:jump:a"]] > 0) do={ :set ${slot} "b" }`,
    `:local ${old} "a"`,
    `:if ($${slot} = "a") do={ :set ${old} "b" }`,
  ];
}

function addressLists(policy: NormalizedPolicy, family: AddressFamily, out: string[]): void {
  const used = referencedListIds(policy);
  for (const list of policy.prefixLists) {
    if (used.has(list.id)) addressList(listName(list.id, family), family === 6 ? list.cidrs6 : list.cidrs, family, out);
  }
  const groups = referencedGroupIds(policy);
  for (const group of policy.groupReferences) {
    if (groups.has(group.id)) addressList(groupListName(group.id, family), family === 6 ? group.cidrs6 : group.cidrs, family, out);
  }
}

function addressList(name: string, cidrs: readonly string[], family: AddressFamily, out: string[]): void {
  if (!cidrs.length) return;
  // One flat string per list: 100k template strings would each survive until the final join (GC).
  const before = `${firewallMenu(family)} address-list add list=${name} address=`;
  const after = ` ${slotTag("list", family)}`;
  out.push(before + cidrs.join(`${after}\n${before}`) + after);
}

/** Our chain of a hook in a family's table, in the oracle's order (core/analyze/evaluate.ts). */
function chain(policy: NormalizedPolicy, hook: Hook, family: AddressFamily, out: string[]): void {
  const add = `${firewallMenu(family)} filter add chain=${chainName(hook, family)}`;
  const tag = (what: string) => slotTag(what, family);
  if (hook === "input") out.push(`${add} action=accept in-interface=lo ${tag("loopback")}`);
  if (hook === "output") out.push(`${add} action=accept out-interface=lo ${tag("loopback")}`);
  // Before connection state: neighbour discovery is untracked, and a stray error may be "invalid".
  if (family === 6)
    for (const options of essentialIcmpv6Options())
      out.push(`${add} action=accept protocol=icmpv6 icmp-options=${options} ${tag("icmpv6")}`);
  out.push(
    `${add} action=accept connection-state=established,related ${tag("established")}`,
    `${add} action=drop connection-state=invalid ${tag("invalid")}`,
  );
  if (hook === "output") {
    out.push(`${add} action=accept protocol=tcp dst-address-list=${ROUTEROS_CONTROL_PLANE_LIST} ${tag("control-plane")}`);
  }
  for (const rule of rulesOnHook(policy, hook)) {
    if (rule.families.includes(family)) out.push(`${add} ${routerosRule(rule, family)} ${tag(rule.id)}`);
  }
  out.push(`${add} action=drop ${tag("default")}`);
}

/** `type:code` (codes as ranges) of every essential ICMPv6 message: one accept rule each. */
function essentialIcmpv6Options(): string[] {
  const options: string[] = [];
  for (const m of ESSENTIAL_ICMPV6) {
    if (!m.codes) {
      options.push(`${m.type}:0-255`);
      continue;
    }
    const codes = [...m.codes].sort((a, b) => a - b);
    for (let i = 0; i < codes.length; ) {
      let j = i;
      while (j + 1 < codes.length && codes[j + 1] === codes[j] + 1) j++;
      options.push(`${m.type}:${codes[i] === codes[j] ? codes[i] : `${codes[i]}-${codes[j]}`}`);
      i = j + 1;
    }
  }
  return options;
}

function routerosRule(rule: PolicyRule, family: AddressFamily): string {
  const m: string[] = [`action=${rule.action}`];
  if (rule.protocol !== PROTOCOL.ALL) m.push(`protocol=${routerosProtocol(rule.protocol)}`);
  const side = rule.direction === "inbound" ? "src" : "dst";
  const address = rule.address;
  // "any" (0.0.0.0/0 or ::/0) needs no address match: the table is already that family's.
  if (address.kind === "cidr") m.push(`${side}-address=${address.family === 6 ? formatCidr6(address.cidr) : formatCidr(address.cidr)}`);
  if (address.kind === "prefixList") m.push(`${side}-address-list=${listName(address.id, family)}`);
  if (address.kind === "group") m.push(`${side}-address-list=${groupListName(address.id, family)}`);
  if (rule.ports) m.push(`dst-port=${formatPorts(rule.ports)}`);
  if (rule.icmpType !== null) m.push(`icmp-options=${rule.icmpType}:${rule.icmpCode ?? "0-255"}`);
  if (rule.log) m.push(`log=yes log-prefix="secgroups"`);
  return m.join(" ");
}

function routerosProtocol(protocol: number): string {
  // RouterOS names differ from IANA's for several protocols; numbers are unambiguous (58 is "icmpv6" there, "ipv6-icmp" at IANA).
  if (protocol === PROTOCOL.ICMPV6) return "icmpv6";
  return protocol === PROTOCOL.TCP || protocol === PROTOCOL.UDP || protocol === PROTOCOL.ICMP ? protocolName(protocol) : String(protocol);
}
