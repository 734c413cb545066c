/**
 * `secgroups import --apply`: puts an imported document into an organization
 * through the API, idempotently. Objects are matched by name: a prefix list or
 * group of the same name is updated when it differs and left alone when it is
 * equal, so applying the same import twice creates nothing the second time.
 */
import {
  SELF,
  idAsSelf,
  validateSecurityGroupWrite,
  type FilterRule,
  type FilterRuleWrite,
  type PrefixList,
  type SecurityGroup,
} from "../model";
import type { PolicyDocumentInput } from "../policy";
import type { ApiClient } from "./api-client";
import type { Inventory } from "./stack-code";

export interface ApplyLine {
  kind: "prefix list" | "security group";
  name: string;
  id: string;
  outcome: "created" | "updated" | "unchanged";
}

type RuleKey = Pick<
  FilterRule,
  "direction" | "order" | "protocol" | "port" | "address" | "description" | "action" | "icmp_type" | "icmp_code" | "log"
>;

/** A rule's fields with every default resolved, for comparing what is stored with what is wanted. */
function canonicalRules(rules: readonly FilterRuleWrite[]): RuleKey[] {
  const checked = validateSecurityGroupWrite({ name: "compare", rules, sites: [] }, { ignoreUnknownFields: true });
  if (!checked.ok) throw new Error(`an imported rule is not valid: ${checked.issues.map((i) => i.message).join("; ")}`);
  return checked.value.rules
    .map(({ direction, order, protocol, port, address, description, action, icmp_type, icmp_code, log }) => ({
      direction,
      order,
      protocol,
      port,
      address,
      description,
      action,
      icmp_type,
      icmp_code,
      log,
    }))
    .sort((a, b) => a.order - b.order);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function applyDocument(client: ApiClient, doc: PolicyDocumentInput): Promise<ApplyLine[]> {
  const lines: ApplyLine[] = [];
  const existing = await client.inventory();
  const ids = new Map<string, string>();
  for (const list of doc.prefix_lists ?? []) {
    const body = {
      name: list.name,
      description: list.description ?? null,
      prefixes: list.prefixes.map((p) => ({ cidr: p.cidr, description: p.description ?? null })),
    };
    const found = existing.prefixLists.find((p) => p.name === list.name);
    if (!found) {
      const created = await client.create<PrefixList>("/vpc/prefix-lists", body);
      ids.set(list.id, created.id);
      lines.push({ kind: "prefix list", name: list.name, id: created.id, outcome: "created" });
      continue;
    }
    ids.set(list.id, found.id);
    const cidrs = (items: readonly { cidr: string }[]) => items.map((p) => p.cidr).sort();
    const equal = same(cidrs(found.prefixes), cidrs(body.prefixes)) && (found.description ?? null) === body.description;
    if (!equal) await client.replace(`/vpc/prefix-lists/${found.id}`, { ...body, sites: found.sites });
    lines.push({ kind: "prefix list", name: list.name, id: found.id, outcome: equal ? "unchanged" : "updated" });
  }
  const groups = doc.security_groups.map((g) => ({ g, found: existing.securityGroups.find((s) => s.name === g.name) }));
  for (const { g, found } of groups) if (found && g.id) ids.set(g.id, found.id);
  // Groups named by other groups' rules exist before those rules are written (a group naming itself says self: one create).
  const referenced = new Set(
    doc.security_groups.flatMap((g) => g.rules.map((r) => r.address).filter((a) => a.startsWith("sec_grp_") && a !== g.id)),
  );
  const pending: { g: (typeof groups)[number]["g"]; created?: SecurityGroup; found?: SecurityGroup }[] = [];
  for (const { g, found } of groups) {
    if (found || !g.id || !referenced.has(g.id)) {
      pending.push({ g, found });
      continue;
    }
    const created = await client.create<SecurityGroup>("/vpc/security-groups", {
      name: g.name,
      description: g.description ?? null,
      rules: [],
      sites: [],
    });
    ids.set(g.id, created.id);
    pending.push({ g, created });
  }
  for (const { g, found, created } of pending) {
    const rules = g.rules.map(({ id: _id, ...r }) => ({ ...r, address: r.address === g.id ? SELF : (ids.get(r.address) ?? r.address) }));
    const body = { name: g.name, description: g.description ?? null, rules };
    const target = found ?? created;
    if (!target) {
      const made = await client.create<SecurityGroup>("/vpc/security-groups", { ...body, sites: [] });
      lines.push({ kind: "security group", name: g.name, id: made.id, outcome: "created" });
      continue;
    }
    const equal =
      !created &&
      same(canonicalRules(idAsSelf(target.rules, target.id)), canonicalRules(rules)) &&
      (target.description ?? null) === body.description;
    if (!equal) await client.replace(`/vpc/security-groups/${target.id}`, { ...body, sites: target.sites });
    lines.push({ kind: "security group", name: g.name, id: target.id, outcome: created ? "created" : equal ? "unchanged" : "updated" });
  }
  return lines;
}

/** An imported document as the inventory stack code is written from (no sites; defaults resolved). */
export function documentInventory(doc: PolicyDocumentInput): Inventory {
  return {
    sites: [],
    prefixLists: (doc.prefix_lists ?? []).map((l) => ({
      id: l.id,
      name: l.name,
      description: l.description ?? null,
      prefixes: l.prefixes.map((p) => ({ cidr: p.cidr, description: p.description ?? null })),
      sites: [],
    })),
    securityGroups: doc.security_groups.map((g, i) => ({
      id: g.id ?? `group-${i + 1}`,
      name: g.name,
      description: g.description ?? null,
      rules: canonicalRules(g.rules),
      sites: [],
    })),
  };
}
