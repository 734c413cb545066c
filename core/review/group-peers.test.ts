/** Review of rules that name groups as peers: regions said as "from group web (2 sites: ...)", membership changes between snapshots. */
import { readReviewJson, renderJson, renderMarkdown, reviewSnapshots } from ".";
import { assemble } from "./inputs/assemble";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const WEB = "sec_grp_000000000000000000000000web";
const DB = "sec_grp_0000000000000000000000000db";
const site = (n: string) => `site_${n.padStart(27, "0")}`;

function policy(): Json {
  return {
    sites: [
      { id: site("web1"), name: "web-1", addresses: ["10.0.1.5/32"], reported_addresses: [] },
      { id: site("web2"), name: "web-2", addresses: [], reported_addresses: ["10.0.1.6/32", "fd00:1::6/128"] },
      { id: site("web3"), name: "web-3", addresses: [], reported_addresses: ["10.0.1.7/32"] },
      { id: site("db1"), name: "db-1", addresses: ["10.0.2.5/32"] },
    ],
    security_groups: [
      {
        id: WEB,
        name: "web",
        sites: [site("web1"), site("web2")],
        rules: [{ direction: "outbound", order: 10, protocol: 6, port: "5432", address: DB, description: "to db" }],
      },
      {
        id: DB,
        name: "database",
        sites: [site("db1")],
        rules: [{ direction: "outbound", order: 10, protocol: 17, port: "53", address: "10.0.0.53/32", description: "dns" }],
      },
    ],
  };
}

function review(base: Json, head: Json) {
  return reviewSnapshots(readReviewJson(base, "base.json").after, readReviewJson(head, "head.json").after);
}

const appToDb = { direction: "inbound", order: 20, protocol: 6, port: "5432", address: WEB, description: "app to db" };

test("a new rule from a group reads as the group and its members' addresses (declared, else reported)", () => {
  const head = policy();
  head.security_groups[1].rules.push(appToDb);
  const r = review(policy(), head);
  const md = renderMarkdown(r);
  expect(md).toContain("- newly allowed: tcp/5432 from group web (2 sites: 10.0.1.5, 10.0.1.6) to site db-1");
  expect(md).toContain("- newly allowed: tcp/5432 from group web (1 site: fd00:1::6) to site db-1");
  expect(md).toContain('by "database" rule 20 (app to db, group web)');
  // The rule table names the group, not its id.
  expect(md).toMatch(/\| added \| 20 \| inbound \| tcp\/5432 \| group web \|/);
  expect(r.members).toEqual([]);
});

test("a site joining the referenced group opens exactly its addresses, and the review says who joined", () => {
  const base = policy();
  base.security_groups[1].rules.push(appToDb);
  const head = policy();
  head.security_groups[1].rules.push(appToDb);
  head.security_groups[0].sites.push(site("web3"));
  const r = review(base, head);
  // db-1 now accepts web-3, and web-3 now enforces web's rule to the database group.
  expect(r.opened.map((o) => [o.direction, o.sites, o.addresses])).toEqual([
    ["inbound", [site("db1")], ["10.0.1.7/32"]],
    ["outbound", [site("web3")], ["10.0.2.5/32"]],
  ]);
  expect(r.textChanged).toBe(true);
  const md = renderMarkdown(r);
  expect(md).toContain("- newly allowed: tcp/5432 from 10.0.1.7/32 (part of group web) to site db-1");
  expect(md).toContain("- **web**: web-3 joined (10.0.1.7)");
  expect(JSON.parse(renderJson(r)).members).toEqual([
    { name: "web", joined: [{ site: "web-3", after: ["10.0.1.7/32"] }], left: [], readdressed: [] },
  ]);
});

test("a site leaving, and a site's addresses changing, are membership changes that close and open traffic", () => {
  const base = policy();
  base.security_groups[1].rules.push(appToDb);
  const head = policy();
  head.security_groups[1].rules.push(appToDb);
  head.security_groups[0].sites = [site("web2")];
  head.sites[1].addresses = ["10.0.1.60/32"]; // declared addresses win over the reported ones
  const r = review(base, head);
  // db-1 no longer accepts web-1 nor web-2's old addresses; web-1 no longer enforces web's rule to the database.
  expect(r.closed.map((c) => [c.direction, c.sites, c.addresses])).toEqual(
    expect.arrayContaining([
      ["inbound", [site("db1")], ["10.0.1.5/32", "10.0.1.6/32"]],
      ["inbound", [site("db1")], ["fd00:1::6/128"]],
      ["outbound", [site("web1")], ["10.0.2.5/32"]],
    ]),
  );
  expect(r.closed).toHaveLength(3);
  expect(r.opened.flatMap((o) => o.addresses)).toEqual(["10.0.1.60/32"]);
  const md = renderMarkdown(r);
  expect(md).toContain("- **web**: web-1 left (10.0.1.5); web-2 addresses 10.0.1.6, fd00:1::6 → 10.0.1.60");
  expect(md).toContain("- no longer allowed: tcp/5432 from");
});

test("lint warns on a rule naming a group without members, by the group's name", () => {
  const head = policy();
  head.security_groups[1].rules.push(appToDb);
  head.security_groups[0].sites = [];
  const r = review(policy(), head);
  const finding = r.findings.find((f) => f.kind === "empty-group-reference")!;
  expect(finding.message).toBe(
    'rule "database" rule 20 names group "web" as its peer, which has no member sites: the rule matches nothing until a site with addresses joins the group',
  );
  expect(finding.severity).toBe("medium");
});

test("a rule naming a group the input does not hold is left out of the comparison, with a note", () => {
  const head = policy();
  head.security_groups[1].rules.push({ ...appToDb, address: "sec_grp_00000000000000000000000else" });
  const r = review(policy(), head);
  expect(r.unevaluated).toEqual([{ group: "database", order: 20, fields: ["address"], side: "head" }]);
  expect(r.notes).toContain(
    "database, rule 20: group sec_grp_00000000000000000000000else is not defined in this input; its members are unknown here",
  );
});

test("a policy file's referenced_groups give the members of a peer group the file does not hold", () => {
  const file = (members: { site: string; name?: string; addresses: string[] }[]): Json => ({
    security_groups: [{ id: DB, name: "database", sites: [], rules: [appToDb] }],
    referenced_groups: [{ id: WEB, name: "web", members }],
  });
  const base = file([{ site: site("web1"), name: "web-1", addresses: ["10.0.1.5/32"] }]);
  const head = file([
    { site: site("web1"), name: "web-1", addresses: ["10.0.1.5/32"] },
    { site: site("web2"), name: "web-2", addresses: ["10.0.1.6/32"] },
  ]);
  const r = review(base, head);
  expect(r.unevaluated).toEqual([]);
  expect(r.opened.map((o) => o.addresses)).toEqual([["10.0.1.6/32"]]);
  expect(r.members).toEqual([{ name: "web", joined: [{ site: "web-2", after: ["10.0.1.6/32"] }], left: [], readdressed: [] }]);
  expect(renderMarkdown(review(file([]), head))).toContain(
    "- newly allowed: tcp/5432 from group web (2 sites: 10.0.1.5, 10.0.1.6) (inbound)",
  );
});

test("in a plan, a rule's unknown address that depends on exactly one new group is that group (as for a new prefix list)", () => {
  const snapshot = assemble({
    source: "plan",
    prefixLists: [],
    sites: [{ key: "site.web1", name: "web-1", addresses: ["10.0.1.5/32"] }],
    groups: [
      { key: "group.web", name: "web", sites: [{ ref: "site.web1" }], rules: [] },
      {
        key: "group.db",
        name: "database",
        sites: [],
        rules: [{ ...appToDb, direction: "inbound", address: { unknown: true } }],
        ruleDependencies: ["group.web"],
      },
      {
        key: "group.other",
        name: "other",
        sites: [],
        rules: [{ ...appToDb, direction: "inbound", address: { ref: "group.web" } }],
      },
    ],
  });
  const webId = snapshot.groups[0].id;
  expect(snapshot.groups.slice(1).map((g) => g.rules[0].address)).toEqual([webId, webId]);
  expect(snapshot.notes).toContain("database, rule 20: address is the id of new group web (its only new dependency)");
  expect(renderMarkdown(reviewSnapshots({ ...snapshot, groups: [] }, snapshot))).toContain(
    "- newly allowed: tcp/5432 from group web (1 site: 10.0.1.5) (inbound)",
  );
});

test("self in a policy file, a plan or a preview is the group's own id: its members, and the same rule as the stored id", () => {
  const selfRule = { direction: "inbound", order: 30, protocol: 6, port: "2379", address: "self", description: "peers" };
  const head = policy();
  head.security_groups[0].rules.push(selfRule);
  const md = renderMarkdown(review(policy(), head));
  expect(md).toContain("- newly allowed: tcp/2379 from group web (2 sites: 10.0.1.5, 10.0.1.6) to sites web-1, web-2");
  // The stored form (the id, as the API returns it) against the write form: no change.
  const stored = policy();
  stored.security_groups[0].rules.push({ ...selfRule, address: WEB });
  const same = renderMarkdown(review(stored, head));
  expect(same).toContain("0 newly allowed · 0 no longer allowed");
  expect(same).not.toContain("(changed)");
  // A new group (no id yet) names itself with self: resolved to its stand-in id.
  const fresh = assemble({
    source: "plan",
    sites: [],
    prefixLists: [],
    groups: [
      { key: "secgroups_security_group.etcd", name: "etcd", sites: [], rules: [{ ...selfRule, address: { value: "self" } }] } as Json,
    ],
  });
  expect(fresh.groups[0].rules[0].address).toBe(fresh.groups[0].id);
});
