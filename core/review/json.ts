/** The review as JSON, for machines: the same content as the Markdown, with the sentences alongside the data. */
import { describeRegion } from "./describe";
import type { Review } from "./review";

export function renderJson(review: Review): string {
  const region = (r: Review["opened"][number]) => ({
    text: describeRegion(r, review.head, review.base),
    ...r,
    sites: r.sites.map((s) => review.head.siteNames[s] ?? review.base.siteNames[s] ?? s),
  });
  const doc = {
    base: review.base.source,
    head: review.head.source,
    textChanged: review.textChanged,
    effectiveChange: review.effectiveChange,
    newlyAllowed: review.opened.map(region),
    noLongerAllowed: review.closed.map(region),
    findings: review.findings,
    groups: review.groups
      .filter((g) => g.status !== "unchanged")
      .map((g) => ({
        name: g.name,
        key: g.key,
        status: g.status,
        added: g.added,
        removed: g.removed,
        changed: g.changed.map((c) => ({ order: c.order, fields: c.fields, before: c.before, after: c.after })),
        sitesAdded: g.sitesAdded,
        sitesRemoved: g.sitesRemoved,
      })),
    prefixLists: review.prefixLists,
    members: review.members,
    unevaluated: review.unevaluated,
    notes: review.notes,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
