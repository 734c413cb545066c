/**
 * Reads `pulumi preview --json`: steps[] with op, urn, oldState and newState
 * (inputs, outputs, id, propertyDependencies). Our resources are the dynamic
 * resources of provider/pulumi (type `pulumi-nodejs:dynamic/secgroups:<Kind>`);
 * a plain `pulumi-nodejs:dynamic:Resource` is recognised by its inputs.
 */
import type { PolicySnapshot, ReviewInput } from "../snapshot";
import {
  addressesOf,
  assemble,
  type RawGroup,
  type RawPrefixList,
  type RawResources,
  type RawRule,
  type RawSite,
  type RawValue,
} from "./assemble";

/** The engine's marker for a value computed by apply (sdk `rpc.unknownValue`). */
export const PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Json = Record<string, unknown>;
type Kind = "group" | "prefixList" | "site";

/** A resource of a Pulumi stack as a preview step (or a policy pack) shows it. */
export interface ResourceState {
  urn: string;
  type?: string;
  id?: string | null;
  inputs?: Json | null;
  outputs?: Json | null;
  propertyDependencies?: Record<string, string[]> | null;
}

interface Step {
  op: string;
  urn: string;
  oldState?: ResourceState | null;
  newState?: ResourceState | null;
}

export function isPulumiPreview(json: unknown): boolean {
  return typeof json === "object" && json !== null && Array.isArray((json as Json).steps);
}

/** Ops whose new state keeps the old resource's id. */
const KEEPS_ID = new Set(["same", "update", "refresh", "read"]);
/** Ops after which the resource no longer exists. */
const GONE = new Set(["delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"]);

export function readPulumiPreview(json: unknown, source: string): ReviewInput {
  const steps = ((json as Json).steps as Step[]).filter((s) => s && typeof s.urn === "string");
  // A replacement shows as several steps of one URN: keep the first old state and the surviving new one.
  const before = new Map<string, ResourceState>();
  const after = new Map<string, ResourceState>();
  for (const step of steps) {
    if (step.oldState && !before.has(step.urn)) before.set(step.urn, step.oldState);
    if (!step.newState || GONE.has(step.op)) continue;
    const id = step.newState.id || (KEEPS_ID.has(step.op) ? step.oldState?.id : undefined);
    after.set(step.urn, { ...step.newState, id: id ?? null });
  }
  const result: ReviewInput = {
    format: "pulumi-preview",
    before: snapshotOf([...before.values()], `${source} (before)`, "outputs"),
    after: snapshotOf([...after.values()], `${source} (after)`, "inputs"),
  };
  // Without --show-sames the JSON lists changed resources only: say so, the sites' policies are incomplete.
  const unchanged = Number(((json as Json).changeSummary as Json | undefined)?.same ?? 0);
  const listed = steps.filter((s) => s.op === "same").length;
  if (unchanged > listed) {
    const note = `${source} leaves out ${unchanged - listed} unchanged resource(s): produce it with \`pulumi preview --json --show-sames\` so the review sees every group and prefix list`;
    result.before!.notes.unshift(note);
    result.after.notes.unshift(note);
  }
  return result;
}

function kindOf(state: ResourceState): Kind | undefined {
  const type = state.type ?? state.urn.split("::")[2] ?? "";
  const props = state.inputs ?? state.outputs ?? {};
  if (type.startsWith("pulumi-nodejs:dynamic/secgroups:")) {
    const kind = type.slice("pulumi-nodejs:dynamic/secgroups:".length);
    return kind === "SecurityGroup" ? "group" : kind === "PrefixList" ? "prefixList" : kind === "Site" ? "site" : undefined;
  }
  if (!type.startsWith("pulumi-nodejs:dynamic")) return undefined;
  // An untyped dynamic resource: ours if it carries our fields.
  if (Array.isArray(props.rules)) return "group";
  if (Array.isArray(props.prefixes)) return "prefixList";
  if (typeof props.platform === "string") return "site";
  return undefined;
}

/** Our groups, prefix lists and sites among a stack's resources, as a snapshot. */
export function snapshotOf(states: ResourceState[], source: string, prefer: "inputs" | "outputs"): PolicySnapshot {
  const raw: RawResources = { source, groups: [], prefixLists: [], sites: [] };
  for (const state of states) {
    const kind = kindOf(state);
    if (!kind) continue;
    const props = (prefer === "outputs" ? (state.outputs ?? state.inputs) : (state.inputs ?? state.outputs)) ?? {};
    const id = typeof state.id === "string" && state.id !== "" && state.id !== PULUMI_UNKNOWN ? state.id : undefined;
    const name = typeof props.name === "string" ? props.name : logicalName(state.urn);
    if (kind === "site") raw.sites.push({ key: state.urn, id, name, ...addressesOf(props) } satisfies RawSite);
    else if (kind === "prefixList") {
      raw.prefixLists.push({
        key: state.urn,
        id,
        name,
        description: props.description as string | null | undefined,
        prefixes: ((props.prefixes as Json[]) ?? []).map((p) => ({
          cidr: String(p.cidr),
          description: p.description as string | null | undefined,
        })),
      } satisfies RawPrefixList);
    } else raw.groups.push(groupOf(state, props, id, name));
  }
  return assemble(raw);
}

function groupOf(state: ResourceState, props: Json, id: string | undefined, name: string): RawGroup {
  const deps = state.propertyDependencies ?? {};
  return {
    key: state.urn,
    id,
    name,
    description: props.description as string | null | undefined,
    sites: Array.isArray(props.sites) ? props.sites.map(valueOf) : props.sites === PULUMI_UNKNOWN ? [{ unknown: true }] : [],
    rules: Array.isArray(props.rules) ? (props.rules as Json[]).map(ruleOf) : undefined,
    ruleDependencies: deps.rules ?? [],
    siteDependencies: deps.sites ?? [],
  };
}

function valueOf(v: unknown): RawValue {
  return v === PULUMI_UNKNOWN || v === null || v === undefined ? { unknown: true } : { value: String(v) };
}

function ruleOf(r: Json): RawRule {
  const unknownFields = Object.entries(r)
    .filter(([k, v]) => v === PULUMI_UNKNOWN && k !== "address")
    .map(([k]) => k);
  const { address, ...rest } = r;
  return {
    ...(rest as Omit<RawRule, "address">),
    address: valueOf(address),
    ...(unknownFields.length ? { unknownFields } : {}),
  };
}

function logicalName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}
