/** The review as Markdown, for a pull-request comment. */
import type { DiffRegion } from "../analyze";
import { describeRegion, describeRuleAddress, describeRuleService, describeSites, hostText } from "./describe";
import type { Finding } from "./findings";
import type { Review } from "./review";
import type { GroupDiff, RuleChange } from "./rule-diff";
import { referencedGroupsOf, type PolicySnapshot, type SnapshotRule } from "./snapshot";

export function renderMarkdown(review: Review): string {
  const out: string[] = ["# secgroups review", "", `Base: \`${review.base.source}\` → head: \`${review.head.source}\``, ""];
  out.push(...summary(review), "");
  out.push(...effect(review));
  out.push(...findings(review.findings));
  out.push(...groups(review));
  out.push(...prefixLists(review));
  out.push(...members(review));
  out.push(...unknowns(review));
  return (
    out
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trimEnd() + "\n"
  );
}

function summary(review: Review): string[] {
  const high = review.findings.filter((f) => f.severity === "high").length;
  const parts = [
    `${review.opened.length} newly allowed`,
    `${review.closed.length} no longer allowed`,
    `${review.findings.length} lint finding${review.findings.length === 1 ? "" : "s"}${high ? ` (${high} high)` : ""}`,
  ];
  if (!review.textChanged && !review.effectiveChange) return ["**No change.**", "", parts.join(" · ")];
  if (!review.effectiveChange) {
    const caveat = review.unevaluated.length
      ? ` (${review.unevaluated.length} rule(s) with values unknown until apply were not compared)`
      : "";
    return [
      "**No effective change**: the text changed, but every packet gets the same verdict on every site" + caveat + ".",
      "",
      parts.join(" · "),
    ];
  }
  return [parts.join(" · ")];
}

function effect(review: Review): string[] {
  if (!review.effectiveChange) return [];
  const line = (r: DiffRegion, prefix: string) => `- ${prefix}: ${describeRegion(r, review.head, review.base)}${because(r, review)}`;
  const out = ["## Effective change", ""];
  for (const r of review.opened) out.push(line(r, "newly allowed"));
  for (const r of review.closed) out.push(line(r, "no longer allowed"));
  return [...out, ""];
}

/** Which rule decides now (or decided before, when the default drop decides now). */
function because(r: DiffRegion, review: Review): string {
  const [ref, snapshot, verb] = r.after.rule
    ? [r.after.rule, review.head, "by"]
    : r.before.rule
      ? [r.before.rule, review.base, "was allowed by"]
      : [];
  if (!ref || !snapshot) return "";
  const { rules, lists } = indexOf(snapshot);
  const rule = rules.get(ref.groupId)?.get(ref.order);
  const list = rule && lists.get(rule.address);
  const peer = rule && !list ? referencedGroupsOf(snapshot).get(rule.address) : undefined;
  const via = list ? `, prefix list ${list.name}` : peer ? `, group ${peer.name}` : "";
  const what = r.after.rule ? "" : r.after.verdict === "drop" ? " (now dropped by default)" : "";
  return ` — ${verb} "${ref.groupName}" rule ${ref.order} (${ref.description}${via})${what}`;
}

/** Rules by group id and order, prefix lists by id (the first of each, as a search would find): built once per snapshot, not per line. */
const indexes = new WeakMap<
  PolicySnapshot,
  { rules: Map<string, Map<number, SnapshotRule>>; lists: Map<string, PolicySnapshot["prefixLists"][number]> }
>();

function indexOf(snapshot: PolicySnapshot) {
  let index = indexes.get(snapshot);
  if (!index) {
    const rules = new Map<string, Map<number, SnapshotRule>>();
    for (const g of snapshot.groups) {
      if (rules.has(g.id)) continue;
      const byOrder = new Map<number, SnapshotRule>();
      for (const r of g.rules) if (!byOrder.has(r.order)) byOrder.set(r.order, r);
      rules.set(g.id, byOrder);
    }
    const lists = new Map<string, PolicySnapshot["prefixLists"][number]>();
    for (const l of snapshot.prefixLists) if (!lists.has(l.id)) lists.set(l.id, l);
    index = { rules, lists };
    indexes.set(snapshot, index);
  }
  return index;
}

/** Low and medium findings of one kind past this many are counted, not listed (all are in --format json). */
export const MAX_FINDINGS_PER_KIND = 20;

function findings(list: Finding[]): string[] {
  if (!list.length) return ["## Lint", "", "No findings.", ""];
  const out = ["## Lint", "", "| severity | finding | sites | |", "|---|---|---|---|"];
  const shown = new Map<string, number>();
  const hidden = new Map<string, number>();
  for (const f of list) {
    const key = `${f.severity} ${f.kind}`;
    const n = shown.get(key) ?? 0;
    if (f.severity !== "high" && n >= MAX_FINDINGS_PER_KIND) {
      hidden.set(key, (hidden.get(key) ?? 0) + 1);
      continue;
    }
    shown.set(key, n + 1);
    out.push(
      `| **${f.severity}** | ${cell(f.message)} | ${cell(f.sites.join(", ") || "no site")} | ${f.inBase ? "already in base" : "new"} |`,
    );
  }
  for (const [key, n] of hidden) {
    const [severity, kind] = key.split(" ");
    out.push(`| ${severity} | … and ${n.toLocaleString("en-US")} more ${kind} findings (see \`--format json\`) | | |`);
  }
  return [...out, ""];
}

function groups(review: Review): string[] {
  const changed = review.groups.filter((g) => g.status !== "unchanged");
  if (!changed.length) return [];
  const out = ["## Security groups", ""];
  for (const g of changed) {
    out.push(`### ${g.name} (${g.status})`, "");
    const sites = siteChanges(g, review);
    if (sites) out.push(sites, "");
    if (g.renamed) out.push(`Renamed or described anew: "${g.before!.name}" → "${g.after!.name}".`, "");
    if (g.after?.rulesUnknown) out.push("The rule list is unknown until apply.", "");
    const rows = [
      ...g.added.map((r) => row("added", r, review.head)),
      ...g.removed.map((r) => row("removed", r, review.base)),
      ...g.changed.map((c) => changedRow(c, review)),
    ];
    if (rows.length)
      out.push("| change | order | direction | service | address | action | description |", "|---|---|---|---|---|---|---|", ...rows, "");
  }
  return out;
}

function siteChanges(g: GroupDiff, review: Review): string {
  if (g.status === "added" && g.after)
    return g.after.sites.length ? `Attached to ${describeSites(g.after.sites, review.head)}.` : "Attached to no site.";
  if (g.status === "removed" && g.before)
    return g.before.sites.length ? `Was attached to ${describeSites(g.before.sites, review.base)}.` : "";
  const parts = [];
  if (g.sitesAdded.length) parts.push(`now also on ${g.sitesAdded.join(", ")}`);
  if (g.sitesRemoved.length) parts.push(`no longer on ${g.sitesRemoved.join(", ")}`);
  return parts.length ? `Sites: ${parts.join("; ")}.` : "";
}

function row(change: string, r: SnapshotRule, s: PolicySnapshot): string {
  return `| ${change} | ${r.order} | ${r.direction} | ${cell(describeRuleService(r))} | ${cell(describeRuleAddress(r, s))} | ${r.action ?? "accept"}${r.log ? ", log" : ""} | ${cell(r.description)} |`;
}

function changedRow(c: RuleChange, review: Review): string {
  const show = (field: string, before: string, after: string) => (before === after ? cell(after) : `~~${cell(before)}~~ → ${cell(after)}`);
  const { before: b, after: a } = c;
  return [
    "| changed",
    `${c.order}`,
    show("direction", b.direction, a.direction),
    show("service", describeRuleService(b), describeRuleService(a)),
    show("address", describeRuleAddress(b, review.base), describeRuleAddress(a, review.head)),
    show("action", `${b.action ?? "accept"}${b.log ? ", log" : ""}`, `${a.action ?? "accept"}${a.log ? ", log" : ""}`),
    show("description", b.description, a.description) + " |",
  ].join(" | ");
}

function prefixLists(review: Review): string[] {
  if (!review.prefixLists.length) return [];
  const out = ["## Prefix lists", ""];
  for (const l of review.prefixLists) {
    const entries = [...l.cidrsAdded.map((c) => `+ ${c}`), ...l.cidrsRemoved.map((c) => `− ${c}`)];
    out.push(
      `- **${l.name}** (${l.status})${entries.length ? `: ${entries.slice(0, 20).join(", ")}${entries.length > 20 ? `, and ${entries.length - 20} more` : ""}` : ""}`,
    );
  }
  return [...out, ""];
}

/** "- **web**: web-3 joined (10.0.1.7); web-1 left (10.0.1.5); web-2 addresses 10.0.1.6 → 10.0.1.9" */
function members(review: Review): string[] {
  if (!review.members.length) return [];
  const out = ["## Members of groups named as peers", ""];
  const list = (addresses: readonly string[] | undefined) => (addresses?.length ? addresses.map(hostText).join(", ") : "no addresses");
  for (const g of review.members) {
    const parts = [
      ...g.joined.map((m) => `${m.site} joined (${list(m.after)})`),
      ...g.left.map((m) => `${m.site} left (${list(m.before)})`),
      ...g.readdressed.map((m) => `${m.site} addresses ${list(m.before)} → ${list(m.after)}`),
    ];
    out.push(`- **${g.name}**: ${parts.join("; ")}`);
  }
  return [...out, ""];
}

function unknowns(review: Review): string[] {
  if (!review.notes.length && !review.unevaluated.length) return [];
  const out = ["## Unknown until apply", ""];
  if (review.unevaluated.length) {
    out.push(
      "These rules have values that apply computes; they are left out of the effective change above:",
      "",
      ...review.unevaluated.map((u) => `- "${u.group}" rule ${u.order} (${u.side}): ${u.fields.join(", ")}`),
      "",
    );
  }
  if (review.notes.length) out.push("How values were resolved:", "", ...review.notes.map((n) => `- ${n}`), "");
  return out;
}

/** Text safe inside a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
