/**
 * secgroups policy pack: the lint of `secgroups review` (core/analyze's lint,
 * run per site as the review runs it), so that
 *
 *   pulumi preview --policy-pack policy
 *
 * stops a world-open SSH rule before anything is deployed. One policy per
 * severity: high findings are mandatory (the preview fails), medium and low
 * advisory; change that per policy with --policy-pack-config.
 */
import { PolicyPack, type ReportViolation, type StackValidationArgs, type StackValidationPolicy } from "@pulumi/policy";
import { lintSnapshot, type Finding, type Severity } from "../core/review";
import { stackSnapshot, type StackResource } from "./stack";

// The SDK's unknown markers (deserialized preview unknowns) live in its proxy module.
const proxy = require("@pulumi/policy/proxy") as Record<string, unknown>;
const UNKNOWN_MARKERS = new Set(
  [
    "unknownBooleanValue",
    "unknownNumberValue",
    "unknownStringValue",
    "unknownArrayValue",
    "unknownAssetValue",
    "unknownArchiveValue",
    "unknownObjectValue",
  ].map((k) => proxy[k]),
);

function findingsOf(args: StackValidationArgs): Finding[] {
  const snapshot = stackSnapshot(args.resources as unknown as StackResource[], (v) => UNKNOWN_MARKERS.has(v));
  return lintSnapshot(snapshot);
}

/** Lint runs once per preview, however many policies report from it. */
const cache = new WeakMap<object, Finding[]>();

function policy(severity: Severity, enforcementLevel: "mandatory" | "advisory", description: string): StackValidationPolicy {
  return {
    name: `secgroups-${severity}`,
    description,
    enforcementLevel,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      let findings = cache.get(args.resources);
      if (!findings) cache.set(args.resources, (findings = findingsOf(args)));
      for (const f of findings.filter((x) => x.severity === severity)) {
        const where = f.sites.length ? ` (sites: ${f.sites.join(", ")})` : "";
        reportViolation(`[${f.kind}] ${f.message}${where}`);
      }
    },
  };
}

new PolicyPack("secgroups", {
  policies: [
    policy(
      "high",
      "mandatory",
      "High-severity secgroups lint findings: sensitive services open to the world, rules shadowed by rules that do the opposite.",
    ),
    policy("medium", "advisory", "Medium-severity secgroups lint findings: groups without outbound rules, rules on empty prefix lists."),
    policy(
      "low",
      "advisory",
      "Low-severity secgroups lint findings: redundant rules, rules shadowed by rules that do the same, overlapping prefixes.",
    ),
  ],
});
