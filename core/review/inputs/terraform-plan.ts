/**
 * Reads `terraform show -json` of a saved plan (resource_changes[] with
 * change.before / change.after / change.after_unknown, and configuration
 * references) or of a state (values.root_module). Resources are those of
 * provider/terraform: secgroups_security_group, secgroups_prefix_list,
 * secgroups_site.
 */
import type { PolicySnapshot, ReviewInput } from "../snapshot";
import { addressesOf, assemble, type RawGroup, type RawResources, type RawRule, type RawValue } from "./assemble";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const TF_TYPES = {
  group: "secgroups_security_group",
  prefixList: "secgroups_prefix_list",
  site: "secgroups_site",
} as const;

export function isTerraformPlan(json: unknown): boolean {
  return typeof json === "object" && json !== null && Array.isArray((json as Json).resource_changes);
}

export function isTerraformState(json: unknown): boolean {
  const j = json as Json;
  return typeof j === "object" && j !== null && typeof j.format_version === "string" && typeof j.values?.root_module === "object";
}

/** One resource as this reader sees it: address, type, values, and which of them apply computes. */
interface TfResource {
  address: string;
  type: string;
  values: Json;
  unknown: Json | boolean;
}

export function readTerraformPlan(json: Json, source: string): ReviewInput {
  const changes = (json.resource_changes as Json[]).filter((rc) => rc.mode !== "data");
  const references = configurationReferences(json.configuration?.root_module, "");
  const before: TfResource[] = [];
  const after: TfResource[] = [];
  for (const rc of changes) {
    const { before: b, after: a, after_unknown: unknown } = rc.change ?? {};
    if (b) before.push({ address: rc.address, type: rc.type, values: b, unknown: {} });
    if (a) after.push({ address: rc.address, type: rc.type, values: a, unknown: unknown ?? {} });
  }
  return {
    format: "terraform-plan",
    before: snapshotOf(before, `${source} (before)`, new Map()),
    after: snapshotOf(after, `${source} (after)`, references),
  };
}

export function readTerraformState(json: Json, source: string): ReviewInput {
  const resources: TfResource[] = [];
  const walk = (module: Json | undefined) => {
    for (const r of module?.resources ?? [])
      if (r.mode !== "data") resources.push({ address: r.address, type: r.type, values: r.values ?? {}, unknown: {} });
    for (const child of module?.child_modules ?? []) walk(child);
  };
  walk(json.values.root_module);
  return { format: "terraform-state", after: snapshotOf(resources, source, new Map()) };
}

function snapshotOf(resources: TfResource[], source: string, references: Map<string, Json>): PolicySnapshot {
  const raw: RawResources = { source, groups: [], prefixLists: [], sites: [] };
  for (const r of resources) {
    const v = r.values;
    const u = (r.unknown === true ? { id: true } : r.unknown) as Json;
    const id = u.id || typeof v.id !== "string" ? undefined : v.id;
    if (r.type === TF_TYPES.site) raw.sites.push({ key: r.address, id, name: String(v.name ?? r.address), ...addressesOf(v) });
    else if (r.type === TF_TYPES.prefixList) {
      raw.prefixLists.push({
        key: r.address,
        id,
        name: String(v.name ?? r.address),
        description: v.description,
        prefixes: (v.prefixes ?? []).map((p: Json) => ({ cidr: String(p.cidr), description: p.description })),
      });
    } else if (r.type === TF_TYPES.group) raw.groups.push(groupOf(r, id, references.get(configKey(r.address)) ?? {}));
  }
  return assemble(raw);
}

function groupOf(r: TfResource, id: string | undefined, expressions: Json): RawGroup {
  const v = r.values;
  const u = (r.unknown === true ? { rules: true, sites: true } : r.unknown) as Json;
  const modulePrefix = /^(module\.[^.[]+(\[[^\]]+\])?\.)*/.exec(r.address)![0];
  const refs = (attribute: string) => resourceRefs(expressions[attribute]?.references).map((a) => modulePrefix + a);
  const sites: RawValue[] =
    u.sites === true
      ? [{ unknown: true }]
      : (v.sites ?? []).map((s: unknown, i: number) => (u.sites?.[i] === true || s === null ? { unknown: true } : { value: String(s) }));
  return {
    key: r.address,
    id,
    name: String(v.name ?? r.address),
    description: v.description,
    sites,
    rules:
      u.rules === true || !Array.isArray(v.rules) ? undefined : v.rules.map((rule: Json, i: number) => ruleOf(rule, u.rules?.[i] ?? {})),
    ruleDependencies: refs("rules"),
    siteDependencies: refs("sites"),
  };
}

function ruleOf(rule: Json, unknown: Json | boolean): RawRule {
  const u = (unknown === true ? { direction: true, order: true, protocol: true, port: true, address: true } : unknown) as Json;
  const unknownFields = Object.keys(u).filter((k) => u[k] === true && k !== "address");
  const { address, ...rest } = rule;
  return {
    ...(rest as Omit<RawRule, "address">),
    // The provider stores "" for an unset port and null for unset ICMP fields; the API shape is the same.
    port: rest.port ?? "",
    address: u.address === true || typeof address !== "string" ? { unknown: true } : { value: address },
    ...(unknownFields.length ? { unknownFields } : {}),
  };
}

/** Resource addresses referenced by an expression: "secgroups_prefix_list.office.id" -> "secgroups_prefix_list.office". */
function resourceRefs(references: unknown): string[] {
  if (!Array.isArray(references)) return [];
  const out = new Set<string>();
  for (const ref of references) {
    const m = /^(?:module\.[^.]+\.)*([a-z0-9_]+\.[A-Za-z0-9_-]+(?:\[[^\]]+\])?)/.exec(String(ref));
    if (m && !m[1].startsWith("var.") && !m[1].startsWith("local.")) out.add(m[1]);
  }
  return [...out];
}

/** The address of a resource's block in configuration: without module instance keys and count/for_each keys. */
function configKey(address: string): string {
  return address.replace(/\[[^\]]+\]/g, "");
}

/** expressions of every resource block, by address within its module (module nesting flattened). */
function configurationReferences(module: Json | undefined, prefix: string, out = new Map<string, Json>()): Map<string, Json> {
  for (const r of module?.resources ?? []) out.set(prefix ? `${prefix}${r.address}` : r.address, r.expressions ?? {});
  for (const [name, call] of Object.entries((module?.module_calls ?? {}) as Json)) {
    configurationReferences(call.module, `${prefix}module.${name}.`, out);
  }
  return out;
}
