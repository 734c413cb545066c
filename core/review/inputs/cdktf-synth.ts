/**
 * Reads `cdktf synth` output: cdktf.out/stacks/<stack>/cdk.tf.json, whose
 * resource.secgroups_security_group.* blocks hold the rules. References are
 * interpolations ("${secgroups_prefix_list.office.id}"), so they resolve to
 * the resource they name exactly; the ids themselves are assigned at apply.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { ReviewInput } from "../snapshot";
import { addressesOf, assemble, type RawResources, type RawRule, type RawValue } from "./assemble";
import { TF_TYPES } from "./terraform-plan";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The cdk.tf.json files under a path: a synth output dir, its stacks/ dir, one stack's dir, or the file itself. */
export function synthFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const direct = join(path, "cdk.tf.json");
  if (existsSync(direct)) return [direct];
  for (const stacks of [join(path, "stacks"), join(path, "cdktf.out", "stacks")]) {
    if (existsSync(stacks)) {
      return readdirSync(stacks)
        .sort()
        .map((s) => join(stacks, s, "cdk.tf.json"))
        .filter((f) => existsSync(f));
    }
  }
  return [];
}

export function isCdktfSynth(json: unknown): boolean {
  const j = json as Json;
  return (
    typeof j === "object" &&
    j !== null &&
    typeof j.resource === "object" &&
    (TF_TYPES.group in j.resource || TF_TYPES.prefixList in j.resource)
  );
}

export function readCdktfSynth(path: string, source: string): ReviewInput {
  const files = synthFiles(path);
  if (!files.length) throw new Error(`${path}: no cdk.tf.json found (expected cdktf.out/stacks/<stack>/cdk.tf.json)`);
  const raw: RawResources = { source, groups: [], prefixLists: [], sites: [] };
  for (const file of files) {
    // Several stacks: keys carry the stack name, as the stacks deploy separately.
    const stack = files.length > 1 ? `${basename(join(file, ".."))}/` : "";
    addStack(raw, JSON.parse(readFileSync(file, "utf8")), stack);
  }
  return { format: "cdktf-synth", after: assemble(raw) };
}

export function readCdktfJson(json: Json, source: string): ReviewInput {
  const raw: RawResources = { source, groups: [], prefixLists: [], sites: [] };
  addStack(raw, json, "");
  return { format: "cdktf-synth", after: assemble(raw) };
}

function addStack(raw: RawResources, json: Json, stack: string): void {
  const blocks = (type: string): [string, Json][] => Object.entries((json.resource?.[type] ?? {}) as Json);
  for (const [name, v] of blocks(TF_TYPES.site))
    raw.sites.push({ key: `${stack}${TF_TYPES.site}.${name}`, name: String(v.name ?? name), ...addressesOf(v) });
  for (const [name, v] of blocks(TF_TYPES.prefixList)) {
    raw.prefixLists.push({
      key: `${stack}${TF_TYPES.prefixList}.${name}`,
      name: String(v.name ?? name),
      description: v.description,
      prefixes: (v.prefixes ?? []).map((p: Json) => ({ cidr: String(p.cidr), description: p.description })),
    });
  }
  for (const [name, v] of blocks(TF_TYPES.group)) {
    raw.groups.push({
      key: `${stack}${TF_TYPES.group}.${name}`,
      name: String(v.name ?? name),
      description: v.description,
      sites: Array.isArray(v.sites) ? v.sites.map((s: unknown) => valueOf(s, stack)) : [],
      rules: Array.isArray(v.rules)
        ? v.rules.map((r: Json): RawRule => ({ ...(r as RawRule), port: r.port ?? "", address: valueOf(r.address, stack) }))
        : undefined,
    });
  }
}

/** A literal, or "${type.name.id}" as a reference to that resource; any other interpolation is unknown. */
function valueOf(v: unknown, stack: string): RawValue {
  const text = String(v);
  const ref = /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.id\}$/.exec(text);
  if (ref) return { ref: `${stack}${ref[1]}` };
  if (text.includes("${")) return { unknown: true };
  return { value: text };
}
