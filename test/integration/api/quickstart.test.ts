/** The seed's quickstart (000) and PUT semantics (002), on both engines. */
import { ENGINES, ID, rule, seedGroup, useCore } from "../../support/core";

describe.each(ENGINES)("seed quickstart and PUT semantics (%s)", (engine) => {
  const t = useCore(engine);

  async function seedExample() {
    const { core } = t;
    const list = await core.createPrefixList();
    const s1 = await core.createSite("edge-1");
    const s2 = await core.createSite("edge-2");
    const res = await core.post("/vpc/security-groups", seedGroup(list.id, [s1.id, s2.id]));
    return { list, s1, s2, res };
  }

  it("creates the prefix list, two sites and the seed's group with ids of the seed's patterns", async () => {
    const { list, s1, s2, res } = await seedExample();
    expect(list.id).toMatch(ID.prefixList);
    for (const p of list.prefixes) expect(p.id).toMatch(ID.prefix);
    expect(list.prefixes.map((p: { cidr: string }) => p.cidr)).toEqual(["203.0.113.0/24", "198.51.100.16/28"]);
    expect(s1.id).toMatch(ID.site);
    expect(s2.id).toMatch(ID.site);
    expect(s1.token).toMatch(/^sgs_/);

    expect(res.status).toBe(201);
    const g = res.json;
    expect(g.id).toMatch(ID.securityGroup);
    expect(res.headers.location).toBe(`/vpc/security-groups/${g.id}`);
    expect(g.name).toBe("Web Application Servers");
    expect(g.description).toBe("Allows HTTP/S from the world and SSH from the office.");
    expect([...g.sites].sort()).toEqual([s1.id, s2.id].sort());
    expect(g.status).toBe("syncing"); // sites, no agent yet
    expect(g.rules).toHaveLength(3);
    for (const r of g.rules) expect(r.id).toMatch(ID.rule);
    expect(new Set(g.rules.map((r: { id: string }) => r.id)).size).toBe(3);
    expect(g.rules.map((r: { order: number; port: string; address: string }) => [r.order, r.port, r.address])).toEqual([
      [10, "443", "0.0.0.0/0"],
      [20, "80", "0.0.0.0/0"],
      [30, "22", list.id],
    ]);
    expect(g.rules[0]).toMatchObject({ direction: "inbound", protocol: 6, description: "Allow HTTPS" });

    const read = await t.core.get(`/vpc/security-groups/${g.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.etag).toMatch(/^"v\d+"$/);
    expect(read.json).toEqual(g);
  });

  it("a group without sites is active", async () => {
    const res = await t.core.post("/vpc/security-groups", { name: "no sites", rules: [rule(1)], sites: [] });
    expect(res.status).toBe(201);
    expect(res.json.status).toBe("active");
    expect(res.json.description).toBeNull();
  });

  it("PUT replaces everything: omitted rules are removed, omitted sites detached, unchanged orders keep their rule ids", async () => {
    const { core } = t;
    const s1 = await core.createSite();
    const s2 = await core.createSite();
    // No sites at first so the group is active (not locked) for the PUTs below.
    const created = await core.create("/vpc/security-groups", {
      name: "replace me",
      description: "first",
      rules: [rule(10, { port: "443" }), rule(20, { port: "80" }), rule(30, { port: "22" })],
      sites: [],
    });
    const idOf = (g: { rules: { order: number; id: string }[] }, order: number) => g.rules.find((r) => r.order === order)?.id;

    const put1 = await core.put(`/vpc/security-groups/${created.id}`, {
      name: "replaced",
      rules: [rule(30, { port: "2222" }), rule(10, { port: "443", description: "changed text" }), rule(40, { port: "8443" })],
      sites: [],
    });
    expect(put1.status).toBe(200);
    const g1 = put1.json;
    expect(g1.id).toBe(created.id);
    expect(g1.name).toBe("replaced");
    expect(g1.description).toBeNull(); // omitted -> cleared (full replacement)
    expect(g1.rules.map((r: { order: number }) => r.order)).toEqual([10, 30, 40]); // sorted by order, 20 removed
    expect(idOf(g1, 10)).toBe(idOf(created, 10));
    expect(idOf(g1, 30)).toBe(idOf(created, 30));
    expect(idOf(g1, 40)).toMatch(ID.rule);
    expect([idOf(created, 10), idOf(created, 20), idOf(created, 30)]).not.toContain(idOf(g1, 40));
    expect(g1.rules.find((r: { order: number }) => r.order === 30).port).toBe("2222");

    // attach two sites; the group then syncs (no agents), so detach needs the agents to confirm first
    const put2 = await core.put(`/vpc/security-groups/${created.id}`, { name: "replaced", rules: g1.rules, sites: [s1.id, s2.id] });
    expect(put2.status).toBe(200);
    expect([...put2.json.sites].sort()).toEqual([s1.id, s2.id].sort());
    expect(put2.json.status).toBe("syncing");
    // echoing a GET (read-only fields id/status/...) back is accepted; rule ids stay
    expect(put2.json.rules.map((r: { id: string }) => r.id)).toEqual(g1.rules.map((r: { id: string }) => r.id));
  });

  it("PUT with sites omitted from the list detaches them", async () => {
    const { core } = t;
    const s1 = await core.createSite();
    const list = await core.createPrefixList();
    const g = await core.create("/vpc/security-groups", { name: "detach", rules: [rule(1)], sites: [] });
    // attach a prefix list to a site via its own sites, then detach with PUT (prefix lists: sites optional)
    const pl = await core.put(`/vpc/prefix-lists/${list.id}`, { ...list, sites: [s1.id] });
    expect(pl.status).toBe(200);
    expect(pl.json.sites).toEqual([s1.id]);
    const res = await core.put(`/vpc/security-groups/${g.id}`, { name: "detach", rules: [rule(1)], sites: [] });
    expect(res.status).toBe(200);
    expect(res.json.sites).toEqual([]);
    expect(res.json.status).toBe("active");
  });

  it("sorts rules by order whatever the request order, and normalizes ports", async () => {
    const res = await t.core.post("/vpc/security-groups", {
      name: "ports",
      rules: [
        rule(200, { port: "80, 443" }),
        rule(3, { port: " 1024 - 2048 " }),
        rule(50, { port: "443,80,80,85-90,81-86" }),
        rule(7, { protocol: 17, port: "53, 5353" }),
        rule(1, { protocol: 1, port: "" }),
      ],
      sites: [],
    });
    expect(res.status).toBe(201);
    expect(res.json.rules.map((r: { order: number; port: string }) => [r.order, r.port])).toEqual([
      [1, ""],
      [3, "1024-2048"],
      [7, "53,5353"],
      [50, "80,81-90,443"], // duplicates and overlaps merged; adjacent items kept (as the Go provider mirrors)
      [200, "80,443"],
    ]);
    const read = await t.core.get(`/vpc/security-groups/${res.json.id}`);
    expect(read.json.rules).toEqual(res.json.rules);
  });

  it("lists and deletes", async () => {
    const { core } = t;
    const g = await core.create("/vpc/security-groups", { name: "to delete", rules: [], sites: [] });
    const del = await core.delete(`/vpc/security-groups/${g.id}`);
    expect(del.status).toBe(204);
    expect(del.body).toBe("");
    expect((await core.get(`/vpc/security-groups/${g.id}`)).status).toBe(404);
    expect((await core.delete(`/vpc/security-groups/${g.id}`)).status).toBe(404);
  });
});
