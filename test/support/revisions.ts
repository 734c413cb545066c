/**
 * Random sequences of revisions for the incremental-apply property tests: a
 * random policy (test/support/policies.ts) plus big prefix lists, then edits
 * of the kinds sites see: a few entries of a big list changed, rules changed
 * (editPolicy), a prefix list and a rule naming it added or removed, nothing
 * changed at all.
 */
import { formatCidr, formatCidr6, type IPv6Address } from "../../core/model";
import type { PolicyDocumentInput } from "../../core/policy";
import { editPolicy, randomPolicy } from "./policies";

type Doc = PolicyDocumentInput;
type List = NonNullable<Doc["prefix_lists"]>[number];

const ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz";

function listId(random: () => number): string {
  return "prfx_lst_" + Array.from({ length: 27 }, () => ALNUM[Math.floor(random() * ALNUM.length)]).join("");
}

function cidr(random: () => number, family: 4 | 6): string {
  if (family === 6) {
    const words = [0xfd00000b, Math.floor(random() * 2 ** 32), 0, 0] as unknown as IPv6Address;
    return formatCidr6({ network: words, prefixLength: 64 });
  }
  // Distinct /28s of 172.16.0.0/12: never overlapping, rarely adjacent.
  return formatCidr({ network: (0xac100000 + Math.floor(random() * 2 ** 16) * 16) >>> 0, prefixLength: 28 });
}

/** A list of `size` CIDRs (at most 500, the API limit; a tenth IPv6). */
export function bigList(random: () => number, size: number): List {
  const cidrs = new Set<string>();
  while (cidrs.size < size) cidrs.add(cidr(random, random() < 0.1 ? 6 : 4));
  return { id: listId(random), name: `big ${cidrs.size}`, prefixes: [...cidrs].map((c) => ({ cidr: c })) };
}

/** The first revision: a random mixed-family policy whose first group also allows two big lists. */
export function firstRevision(random: () => number, bigSize: number): Doc {
  const doc = randomPolicy(random, { families: [4, 6] });
  const lists = [bigList(random, bigSize), bigList(random, Math.ceil(bigSize / 3))];
  const [group, ...rest] = doc.security_groups;
  const orders = freeOrders(group.rules, lists.length);
  const rules = [
    ...group.rules,
    ...lists.map((l, i) => ({
      direction: "inbound" as const,
      order: orders[i],
      protocol: 6,
      port: "443",
      address: l.id,
      description: "big list",
    })),
  ];
  return { ...doc, prefix_lists: [...(doc.prefix_lists ?? []), ...lists], security_groups: [{ ...group, rules }, ...rest] };
}

export type Edit = "entries" | "rules" | "add-list" | "remove-list" | "none";
const EDITS: Edit[] = ["entries", "entries", "entries", "rules", "add-list", "remove-list", "none"];

/** The next revision: one random edit of `doc` (its kind returned with it). */
export function nextRevision(doc: Doc, random: () => number): { doc: Doc; edit: Edit } {
  const edit = EDITS[Math.floor(random() * EDITS.length)];
  const lists = doc.prefix_lists ?? [];
  if (edit === "entries" && lists.length) {
    // A few entries of the biggest list replaced: what a threat feed does.
    const target = lists.reduce((a, b) => (b.prefixes.length > a.prefixes.length ? b : a));
    const kept = target.prefixes.filter(() => random() > 3 / target.prefixes.length);
    const added = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ cidr: cidr(random, 4) }));
    const prefixes = [...new Map([...kept, ...added].map((p) => [p.cidr, p])).values()].slice(0, 500);
    return { doc: { ...doc, prefix_lists: lists.map((l) => (l === target ? { ...l, prefixes } : l)) }, edit };
  }
  if (edit === "rules") return { doc: editPolicy(doc, random), edit };
  if (edit === "add-list") {
    const list = bigList(random, 20 + Math.floor(random() * 50));
    const [group, ...rest] = doc.security_groups;
    const [order] = freeOrders(group.rules, 1);
    if (order === undefined) return { doc, edit: "none" };
    const rule = {
      direction: random() < 0.5 ? ("inbound" as const) : ("outbound" as const),
      order,
      protocol: 17,
      port: "53",
      address: list.id,
      description: "added list",
    };
    return {
      doc: { ...doc, prefix_lists: [...lists, list], security_groups: [{ ...group, rules: [...group.rules, rule] }, ...rest] },
      edit,
    };
  }
  if (edit === "remove-list" && lists.length) {
    const gone = lists[Math.floor(random() * lists.length)];
    return {
      doc: {
        ...doc,
        prefix_lists: lists.filter((l) => l !== gone),
        security_groups: doc.security_groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.address !== gone.id) })),
      },
      edit,
    };
  }
  return { doc, edit: "none" };
}

/** `count` rule orders (1-250) no rule of `rules` has, from the top. */
function freeOrders(rules: readonly { order: number }[], count: number): number[] {
  const used = new Set(rules.map((r) => r.order));
  const free: number[] = [];
  for (let order = 250; order >= 1 && free.length < count; order--) if (!used.has(order)) free.push(order);
  return free;
}
