/**
 * The stack a policy pack sees, as the review's snapshot: our dynamic
 * resources with their properties, unknown values marked as the engine marks
 * them in a preview, and property dependencies as URNs.
 */
import { PULUMI_UNKNOWN, snapshotOf, type ResourceState } from "../core/review/inputs/pulumi-preview";
import type { PolicySnapshot } from "../core/review";

/** What this module reads of @pulumi/policy's PolicyResource (kept structural: core does not depend on the SDK). */
export interface StackResource {
  type: string;
  urn: string;
  props: Record<string, unknown>;
  propertyDependencies: Record<string, { urn: string }[]>;
}

/** @pulumi/policy's escape hatch from its unknown-checking proxy (proxy.getSpecialProxyTarget). */
const PROXY_TARGET = "__getSpecialProxyTarget";

export function stackSnapshot(resources: readonly StackResource[], isUnknown: (value: unknown) => boolean): PolicySnapshot {
  const states: ResourceState[] = resources
    .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic"))
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      id: null,
      inputs: plain(r.props, isUnknown) as Record<string, unknown>,
      propertyDependencies: Object.fromEntries(
        Object.entries(r.propertyDependencies ?? {}).map(([k, deps]) => [k, deps.map((d) => d.urn)]),
      ),
    }));
  return snapshotOf(states, "pulumi stack", "inputs");
}

/** A deep copy without the SDK's proxies, unknown values as the preview JSON's marker. */
function plain(value: unknown, isUnknown: (value: unknown) => boolean): unknown {
  if (isUnknown(value)) return PULUMI_UNKNOWN;
  if (value === null || typeof value !== "object") return value;
  const target = ((value as Record<string, unknown>)[PROXY_TARGET] ?? value) as object;
  if (Array.isArray(target)) return target.map((v) => plain(v, isUnknown));
  return Object.fromEntries(Object.entries(target).map(([k, v]) => [k, plain(v, isUnknown)]));
}
