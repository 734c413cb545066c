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
 */
import { formatCidr, formatPorts, protocolName, PROTOCOL } from "../../model";
import { hooksOf, referencedListIds, rulesOnHook, type NormalizedPolicy, type PolicyRule } from "../../policy";
import { chainName, listName, ROUTEROS_CONTROL_PLANE_LIST } from "./names";

export function renderRouteros(policy: NormalizedPolicy): string {
  const hooks = hooksOf(policy);
  const out: string[] = [
    `# secgroups RouterOS v7 script (${policy.mode} mode). Import with /import; safe to import again.`,
    "# Builds the slot that is not live, jumps to it, then removes the old slot (see docs/routeros.md).",
    "{",
    ':local slot "a"',
    ':if ([:len [/ip firewall filter find where comment="secgroups:jump:a"]] > 0) do={ :set slot "b" }',
    ':local old "a"',
    ':if ($slot = "a") do={ :set old "b" }',
    "# Leftovers of an interrupted import into this slot are not jumped to.",
    '/ip firewall filter remove [find where comment~("^secgroups:" . $slot . ":")]',
    '/ip firewall address-list remove [find where comment=("secgroups:" . $slot . ":list")]',
  ];
  const used = referencedListIds(policy);
  for (const list of policy.prefixLists) {
    if (!used.has(list.id)) continue;
    if (!list.cidrs.length) continue;
    // One flat string per list: 100k template strings would each survive until the final join (GC).
    const before = `/ip firewall address-list add list=${listName(list.id)} address=`;
    const after = ' comment=("secgroups:" . $slot . ":list")';
    out.push(before + list.cidrs.join(`${after}\n${before}`) + after);
  }
  for (const hook of hooks) {
    const add = `/ip firewall filter add chain=${chainName(hook)}`;
    const tag = (what: string) => `comment=("secgroups:" . $slot . ":${what}")`;
    if (hook === "input") out.push(`${add} action=accept in-interface=lo ${tag("loopback")}`);
    if (hook === "output") out.push(`${add} action=accept out-interface=lo ${tag("loopback")}`);
    out.push(
      `${add} action=accept connection-state=established,related ${tag("established")}`,
      `${add} action=drop connection-state=invalid ${tag("invalid")}`,
    );
    if (hook === "output") {
      out.push(`${add} action=accept protocol=tcp dst-address-list=${ROUTEROS_CONTROL_PLANE_LIST} ${tag("control-plane")}`);
    }
    for (const rule of rulesOnHook(policy, hook)) out.push(`${add} ${routerosRule(rule)} ${tag(rule.id)}`);
    out.push(`${add} action=drop ${tag("default")}`);
  }
  // Our chains were just added, so the filter table has a first rule to place the jumps before.
  for (const hook of hooks) {
    out.push(
      `/ip firewall filter add chain=${hook} action=jump jump-target=${chainName(hook)} comment=("secgroups:jump:" . $slot) ` +
        "place-before=[:pick [/ip firewall filter find where dynamic=no] 0]",
    );
  }
  out.push(
    "# The new slot decides from here; remove the old one.",
    '/ip firewall filter remove [find where comment=("secgroups:jump:" . $old)]',
    '/ip firewall filter remove [find where comment~("^secgroups:" . $old . ":")]',
    '/ip firewall address-list remove [find where comment=("secgroups:" . $old . ":list")]',
    "}",
  );
  return out.join("\n") + "\n";
}

function routerosRule(rule: PolicyRule): string {
  const m: string[] = [`action=${rule.action}`];
  if (rule.protocol !== PROTOCOL.ALL) m.push(`protocol=${routerosProtocol(rule.protocol)}`);
  const side = rule.direction === "inbound" ? "src" : "dst";
  if (rule.address.kind === "cidr" && rule.address.family === 6) throw new Error("TODO(#14): IPv6 rules on routeros");
  if (rule.address.kind === "cidr") m.push(`${side}-address=${formatCidr(rule.address.cidr)}`);
  if (rule.address.kind === "prefixList") m.push(`${side}-address-list=${listName(rule.address.id)}`);
  if (rule.ports) m.push(`dst-port=${formatPorts(rule.ports)}`);
  if (rule.icmpType !== null) m.push(`icmp-options=${rule.icmpType}:${rule.icmpCode ?? "0-255"}`);
  if (rule.log) m.push(`log=yes log-prefix="secgroups"`);
  return m.join(" ");
}

function routerosProtocol(protocol: number): string {
  // RouterOS names differ from IANA's for several protocols; numbers are unambiguous.
  return protocol === PROTOCOL.TCP || protocol === PROTOCOL.UDP || protocol === PROTOCOL.ICMP ? protocolName(protocol) : String(protocol);
}
