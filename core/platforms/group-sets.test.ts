/**
 * Groups named as peers on every platform: one set per family per referenced
 * group, shared by the rules naming it, declared even when the group is empty,
 * named apart from prefix-list sets and within each platform's limits; read
 * back and compared like prefix-list sets.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkEquivalence, diffLoaded } from "../analyze";
import { parseIPv4 } from "../model";
import { normalizePolicy, type PolicyDocumentInput } from "../policy";
import { iptables, nftables, routeros } from ".";
import { groupIpsetName, groupIpsetNext, ipsetName, ipsetNext, isOurIpset } from "./iptables/names";
import { nftGroupSet, nftListSet } from "./nftables/names";

const DATA = join(__dirname, "testdata");
const doc: PolicyDocumentInput = JSON.parse(readFileSync(join(DATA, "groups.json"), "utf8"));
const WEB = "sec_grp_000000000000000000000000web";
const NONE = "sec_grp_00000000000000000000000none";
const LIST = "prfx_lst_000000000000000000000000web";

/** The document with the web group's members replaced. */
function withWebMembers(members: { site: string; addresses: string[] }[]): PolicyDocumentInput {
  return { ...doc, referenced_groups: doc.referenced_groups!.map((g) => (g.id === WEB ? { ...g, members } : g)) };
}

describe("set names", () => {
  test("nftables: the group id and <id>_6, never a prefix list's set even when the id bodies are equal", () => {
    expect([nftGroupSet(WEB, 4), nftGroupSet(WEB, 6)]).toEqual([WEB, `${WEB}_6`]);
    const names = [nftGroupSet(WEB, 4), nftGroupSet(WEB, 6), nftListSet(LIST, 4), nftListSet(LIST, 6)];
    expect(new Set(names).size).toBe(4);
  });

  test("ipset: g4-/g6- and their temporary copies, at most 31 characters, ours, apart from the prefix lists' sets", () => {
    const names = [4, 6].flatMap((f) => [groupIpsetName(WEB, f as 4 | 6), groupIpsetNext(WEB, f as 4 | 6)]);
    expect(names).toEqual([
      "g4-000000000000000000000000web",
      "g4t-000000000000000000000000web",
      "g6-000000000000000000000000web",
      "g6t-000000000000000000000000web",
    ]);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(31);
      expect(isOurIpset(name)).toBe(true);
    }
    const lists = [4, 6].flatMap((f) => [ipsetName(LIST, f as 4 | 6), ipsetNext(LIST, f as 4 | 6)]);
    expect(lists.filter((l) => names.includes(l))).toEqual([]);
    expect(isOurIpset("g4-mine")).toBe(true);
    expect(isOurIpset("g4_mine")).toBe(false);
    expect(isOurIpset("guests")).toBe(false);
  });
});

describe.each([
  ["nftables", (text: string) => nftables.expected(text, []), [WEB, `${WEB}_6`, NONE, `${NONE}_6`]],
  [
    "iptables",
    (text: string) => iptables.expected(text, []),
    [
      "g4-000000000000000000000000web",
      "g6-000000000000000000000000web",
      "g4-00000000000000000000000none",
      "g6-00000000000000000000000none",
    ],
  ],
] as const)("%s", (name, expected, sets) => {
  const platform = name === "nftables" ? nftables : iptables;
  const policy = normalizePolicy(doc);
  const text = platform.render(policy);
  const loaded = expected(text);

  test("one set per family per group, with exactly the members' addresses; an empty group's sets are declared empty", () => {
    const [web4, web6, none4, none6] = sets;
    expect(loaded.sets.get(web4)).toEqual({ ranges: [{ first: parseIPv4("10.0.1.5")!, last: parseIPv4("10.0.1.6")! }] });
    expect(loaded.sets.get(web6)?.ranges6).toHaveLength(1);
    expect(loaded.sets.get(none4)).toEqual({ ranges: [] });
    expect(loaded.sets.get(none6)).toEqual({ ranges6: [] });
  });

  test("the rules naming a group share its set", () => {
    const users = [...loaded.chains.values()].flatMap((c) =>
      c.rules.filter((r) => r.matches.some((m) => m.kind === "address" && m.set === sets[0])).map((r) => r.comment),
    );
    // tcp/5432 (order 10) and icmp echo (order 60) from web: IPv4 rules on one set.
    expect(users.filter((c) => c?.endsWith(":10") || c?.endsWith(":60")).length).toBe(2);
  });

  test("a membership change changes the sets only, not the rules", () => {
    const changed = platform.render(normalizePolicy(withWebMembers([{ site: "site_x", addresses: ["10.0.9.9/32"] }])));
    const rulesOf = (t: string) => t.split("\n").filter((l) => /(^-A |\bdport\b|saddr|daddr)/.test(l) && !/^(add|create)/.test(l));
    expect(rulesOf(changed)).toEqual(rulesOf(text));
    expect(changed).not.toBe(text);
  });

  test("the read-back comparison reports a group set that holds other members, and the oracle check catches it", () => {
    const other = expected(
      platform.render(normalizePolicy(withWebMembers([{ site: "site_x", addresses: ["10.0.1.5/32", "10.0.1.7/32"] }]))),
    );
    expect(diffLoaded(loaded, other)).toContain(`set ${sets[0]} holds 2 elements, expected 1 (contents differ)`);
    const { disagreements } = checkEquivalence(policy, other);
    expect(disagreements.some((d) => d.packet.src === parseIPv4("10.0.1.7") || d.packet.src === parseIPv4("10.0.1.6"))).toBe(true);
  });
});

describe("routeros", () => {
  const policy = normalizePolicy(doc);
  const script = routeros.render(policy);

  test("one address list per family per group in each table, shared by its rules; an empty group's list has no entries and matches nothing", () => {
    const entries = script.split("\n").filter((l) => l.includes("address-list add") && l.includes(WEB));
    expect(entries.map((l) => /address=(\S+)/.exec(l)![1])).toEqual(["10.0.1.5/32", "10.0.1.6/32", "fd00:1::5/128"]);
    const loaded = routeros.read({ script });
    expect(loaded.sets.get(`sg-a-${WEB}`)?.ranges).toEqual([{ first: parseIPv4("10.0.1.5")!, last: parseIPv4("10.0.1.6")! }]);
    expect(loaded.sets.get(`sg-a-${NONE}`)).toEqual({ ranges: [], ranges6: [] });
    expect(script.split("\n").filter((l) => l.includes(`src-address-list=("sg-" . $slot . "-${WEB}")`))).toHaveLength(2);
    expect(checkEquivalence(policy, loaded).disagreements).toEqual([]);
  });

  test("a list that gained a member is caught by the oracle check", () => {
    const loaded = routeros.read({ script });
    loaded.sets.get(`sg-a-${WEB}`)!.ranges = [{ first: parseIPv4("10.0.1.5")!, last: parseIPv4("10.0.1.7")! }];
    expect(checkEquivalence(policy, loaded).disagreements.some((d) => d.packet.src === parseIPv4("10.0.1.7"))).toBe(true);
  });
});
