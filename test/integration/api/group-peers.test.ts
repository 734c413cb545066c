/**
 * A group as a rule's peer (#15), server side, on both engines: site
 * addresses (declared, reported by the agent), the limits of a report (a
 * thief with a stolen site token), references to groups in rules (unknown,
 * foreign, self, and the write form `self`), 409 on deleting a referenced group, and the recompile of
 * exactly the referencing sites on every membership change.
 */
import { agentApply, ENGINES, expectError, rule, simpleGroup, useCore, type TestCore } from "../../support/core";

const GROUPS = "/vpc/security-groups";
const SITES = "/vpc/sites";

type SiteCreated = { id: string; token: string };

async function site(core: TestCore, name: string, addresses?: string[]): Promise<SiteCreated> {
  return core.create(SITES, { name, platform: "nftables", ...(addresses ? { addresses } : {}) });
}

async function desired(core: TestCore, ids: string[]): Promise<number[]> {
  return Promise.all(ids.map(async (id) => (await core.get(`${SITES}/${id}`)).json.desired_revision as number));
}

async function configOf(core: TestCore, s: SiteCreated): Promise<string> {
  const poll = await core.get("/agent/v1/config", { token: s.token });
  expect(poll.status).toBe(200);
  return poll.json.config as string;
}

function report(core: TestCore, s: SiteCreated, addresses: unknown) {
  return core.put("/agent/v1/addresses", { addresses }, { token: s.token });
}

/** A db tier that allows tcp/5432 from the web group: web sites w1 (reported address), w2 (declared); db sites d1, d2; an unrelated site. */
async function tiers(core: TestCore) {
  const w1 = await site(core, "web-1");
  expect((await report(core, w1, ["10.0.1.5/32"])).status).toBe(204);
  const w2 = await site(core, "web-2", ["10.0.1.6/32"]);
  const d1 = await site(core, "db-1");
  const d2 = await site(core, "db-2");
  const other = await site(core, "other");
  const web = await core.create(GROUPS, simpleGroup({ name: "web", sites: [w1.id] }));
  const db = await core.create(
    GROUPS,
    simpleGroup({ name: "database", rules: [rule(1, { port: "5432", address: web.id, description: "app to db" })], sites: [d1.id, d2.id] }),
  );
  const unrelated = await core.create(GROUPS, simpleGroup({ name: "unrelated", sites: [other.id] }));
  for (const s of [w1, w2, d1, d2, other]) await agentApply(core, s.token);
  return { w1, w2, d1, d2, other, web, db, unrelated };
}

describe.each(ENGINES)("group peers (%s)", (engine) => {
  const t = useCore(engine);

  describe("site addresses", () => {
    it("are declared on create and update, canonical, [] by default; GET shows them and the reported ones", async () => {
      const created = await t.core.post(SITES, { name: "a", platform: "nftables", addresses: ["10.0.0.0/24", "2001:DB8::1/128"] });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ addresses: ["10.0.0.0/24", "2001:db8::1/128"], reported_addresses: [] });
      const plain = await site(t.core, "b");
      const got = await t.core.get(`${SITES}/${plain.id}`);
      expect(got.json).toMatchObject({ addresses: [], reported_addresses: [] });

      // An echoed GET body (reported_addresses and the other read-only fields) is accepted and those are ignored.
      const echoed = { ...got.json, addresses: ["192.0.2.7/32"], reported_addresses: ["0.0.0.0/0"] };
      const put = await t.core.put(`${SITES}/${plain.id}`, echoed);
      expect(put.status).toBe(200);
      expect(put.json).toMatchObject({ addresses: ["192.0.2.7/32"], reported_addresses: [] });
      // Full replacement: left out means none.
      const cleared = await t.core.put(`${SITES}/${plain.id}`, { name: "b", platform: "nftables" });
      expect(cleared.json.addresses).toEqual([]);
      const listed = (await t.core.get(SITES, { query: { limit: "100" } })).json.find((s: { id: string }) => s.id === created.json.id);
      expect(listed).toMatchObject({ addresses: ["10.0.0.0/24", "2001:db8::1/128"], reported_addresses: [] });
    });

    it("are refused with the field path, and nothing is written", async () => {
      const s = await site(t.core, "c", ["10.0.0.0/24"]);
      const before = await t.core.dump();
      const bad = await t.core.put(`${SITES}/${s.id}`, {
        name: "c",
        platform: "nftables",
        addresses: ["10.0.0.0/24", "10.0.0.1/32", "10.0.0.9/24"],
      });
      expectError(bad, 422, "invalid_cidr");
      expect(bad.json.message).toBe('addresses[2]: "10.0.0.9/24" has host bits set; did you mean 10.0.0.0/24?');
      const dup = await t.core.post(SITES, { name: "d", platform: "nftables", addresses: ["2001:db8::1/128", "2001:DB8::1/128"] });
      expectError(dup, 422, "duplicate_value");
      expect(dup.json.message).toBe("addresses[1]: 2001:db8::1/128 is already listed at addresses[0]");
      const many = await t.core.post(SITES, {
        name: "e",
        platform: "nftables",
        addresses: Array.from({ length: 65 }, (_, i) => `10.9.0.${i}/32`),
      });
      expectError(many, 422, "too_many_items");
      expectError(await t.core.post(SITES, { name: "f", platform: "nftables", addresses: "10.0.0.0/8" }), 422, "parameter_invalid");
      expect(await t.core.dump()).toEqual(before);
    });
  });

  describe("agent address reports", () => {
    it("store global unicast host addresses; the same report again writes nothing", async () => {
      const s = await site(t.core, "reporter");
      expect((await report(t.core, s, ["10.0.5.1/32", "2001:DB8::5/128"])).status).toBe(204);
      expect((await t.core.get(`${SITES}/${s.id}`)).json).toMatchObject({
        addresses: [],
        reported_addresses: ["10.0.5.1/32", "2001:db8::5/128"],
      });
      const before = await t.core.dump();
      expect((await report(t.core, s, ["2001:db8::5/128", "10.0.5.1/32"])).status).toBe(204);
      expect(await t.core.dump()).toEqual(before);
      expect((await report(t.core, s, [])).status).toBe(204);
      expect((await t.core.get(`${SITES}/${s.id}`)).json.reported_addresses).toEqual([]);
    });

    it("a thief with a stolen site token cannot open other sites: every wide or foreign report is a 4xx and changes nothing", async () => {
      const { w1, d1, d2, other } = await tiers(t.core);
      const victims = [d1, d2, other];
      const configs = await Promise.all(victims.map((v) => configOf(t.core, v)));
      const revisions = await desired(
        t.core,
        victims.map((v) => v.id),
      );
      const before = await t.core.dump();
      const attempts: [unknown, number, string][] = [
        [["0.0.0.0/0"], 422, "parameter_invalid"],
        [["::/0"], 422, "parameter_invalid"],
        [["10.0.0.0/8"], 422, "parameter_invalid"],
        [["10.0.1.5/32", "0.0.0.0/1", "128.0.0.0/1"], 422, "parameter_invalid"],
        [["127.0.0.1/32"], 422, "parameter_invalid"],
        [["::1/128"], 422, "parameter_invalid"],
        [["0.0.0.0/32"], 422, "parameter_invalid"],
        [["fe80::1/128"], 422, "parameter_invalid"],
        [["224.0.0.1/32"], 422, "parameter_invalid"],
        [["10.0.1.5"], 422, "invalid_cidr"],
        [Array.from({ length: 65 }, (_, i) => `10.0.${i}.1/32`), 422, "too_many_items"],
        [Array.from({ length: 5000 }, (_, i) => `10.${i >> 8}.${i & 255}.1/32`), 422, "too_many_items"],
        ["0.0.0.0/0", 422, "parameter_invalid"],
        [[{ cidr: "0.0.0.0/0" }], 422, "parameter_invalid"],
      ];
      for (const [addresses, status, code] of attempts) {
        const res = await report(t.core, w1, addresses);
        expectError(res, status, code);
      }
      expectError(await t.core.put("/agent/v1/addresses", { addresses: ["0.0.0.0/0"], sites: [d1.id] }, { token: w1.token }), 422);
      expectError(await t.core.put("/agent/v1/addresses", { addresses: ["10.0.1.9/32"] }, { token: "sgs_stolen-but-wrong" }), 401);
      expectError(await t.core.put("/agent/v1/addresses", { addresses: ["10.0.1.9/32"] }, { token: null }), 401);
      expect(await t.core.dump()).toEqual(before);
      expect(
        await desired(
          t.core,
          victims.map((v) => v.id),
        ),
      ).toEqual(revisions);
      expect(await Promise.all(victims.map((v) => configOf(t.core, v)))).toEqual(configs);
    });

    it("a site with declared addresses ignores what its agent reports (a stolen token changes no firewall)", async () => {
      const { w1, w2, d1, d2, web } = await tiers(t.core);
      expect((await t.core.put(`${GROUPS}/${web.id}`, simpleGroup({ name: "web", sites: [w1.id, w2.id] }))).status).toBe(200);
      await agentApply(t.core, d1.token);
      await agentApply(t.core, d2.token);
      const revisions = await desired(t.core, [d1.id, d2.id]);
      expect((await report(t.core, w2, ["203.0.113.66/32"])).status).toBe(204);
      expect((await t.core.get(`${SITES}/${w2.id}`)).json).toMatchObject({
        addresses: ["10.0.1.6/32"],
        reported_addresses: ["203.0.113.66/32"],
      });
      expect(await desired(t.core, [d1.id, d2.id])).toEqual(revisions);
      expect(await configOf(t.core, d1)).not.toContain("203.0.113.66");
    });
  });

  describe("references", () => {
    it("a rule may name a group of the organization, its own included; unknown and foreign ids are refused like prefix lists", async () => {
      const web = await t.core.create(GROUPS, simpleGroup({ name: "web" }));
      const ok = await t.core.post(GROUPS, simpleGroup({ name: "database", rules: [rule(1, { address: web.id })] }));
      expect(ok.status).toBe(201);
      expect(ok.json.rules[0].address).toBe(web.id);

      const self = await t.core.put(
        `${GROUPS}/${web.id}`,
        simpleGroup({ name: "web", rules: [rule(1, { address: web.id, protocol: 0, port: "" })] }),
      );
      expect(self.status).toBe(200);

      const unknown = "sec_grp_" + "0".repeat(27);
      const foreign = await t.core.create(GROUPS, simpleGroup({ name: "theirs" }), { token: t.core.tokenB });
      const before = await t.core.dump();
      for (const id of [unknown, foreign.id]) {
        const res = await t.core.post(GROUPS, simpleGroup({ name: "database", rules: [rule(1), rule(2, { address: id })] }));
        expectError(res, 422, "reference_not_found");
        expect(res.json.message).toBe(`rules[1].address: security group ${id} does not exist in this organization`);
        expectError(
          await t.core.put(`${GROUPS}/${web.id}`, simpleGroup({ name: "web", rules: [rule(1, { address: id })] })),
          422,
          "reference_not_found",
        );
      }
      const malformed = await t.core.post(GROUPS, simpleGroup({ rules: [rule(1, { address: "sec_grp_short" })] }));
      expectError(malformed, 422, "parameter_invalid");
      expect(malformed.json.message).toMatch(/^rules\[0\]\.address: "sec_grp_short" is not a security group id/);
      // ICMPv4 with a group peer is fine (the group's IPv4 members), as with a prefix list.
      expect(
        (await t.core.post(GROUPS, simpleGroup({ name: "pingers", rules: [rule(1, { protocol: 1, port: "", address: web.id })] }))).status,
      ).toBe(201);
      const after = await t.core.dump();
      // Only the "pingers" group was added.
      expect(after.security_groups.length).toBe(before.security_groups.length + 1);
      expect(after.sites).toEqual(before.sites);
    });

    it("two groups naming each other are replaced at once without a deadlock or a 5xx", async () => {
      const [s1, s2] = [await site(t.core, "mutual-1"), await site(t.core, "mutual-2")];
      const a = await t.core.create(GROUPS, simpleGroup({ name: "side a" }));
      const b = await t.core.create(GROUPS, simpleGroup({ name: "side b", rules: [rule(1, { address: a.id })] }));
      const body = (name: string, peer: string, sites: string[], port: number) =>
        simpleGroup({ name, rules: [rule(1, { address: peer, port: String(port) })], sites });
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          i % 2
            ? t.core.put(`${GROUPS}/${a.id}`, body("side a", b.id, i % 4 === 1 ? [s1.id] : [], 1000 + i))
            : t.core.put(`${GROUPS}/${b.id}`, body("side b", a.id, i % 4 === 0 ? [s2.id] : [], 2000 + i)),
        ),
      );
      expect(responses.filter((r) => r.status >= 500).map((r) => r.body)).toEqual([]);
      for (const r of responses) expect([200, 409]).toContain(r.status);
      expectError(await t.core.delete(`${GROUPS}/${a.id}`), 409, "security_group_in_use");
    });

    it("deleting a referenced group is 409 naming the groups that reference it; a group referenced only by itself can go", async () => {
      const web = await t.core.create(GROUPS, simpleGroup({ name: "web" }));
      const db = await t.core.create(GROUPS, simpleGroup({ name: "database", rules: [rule(1, { address: web.id })] }));
      const cache = await t.core.create(GROUPS, simpleGroup({ name: "cache", rules: [rule(1, { address: web.id })] }));
      const before = await t.core.dump();
      const res = await t.core.delete(`${GROUPS}/${web.id}`);
      expectError(res, 409, "security_group_in_use");
      expect(res.json.message).toBe(
        `security group ${web.id} is referenced by security groups ${[db.id, cache.id].sort().join(", ")}; remove those rules first`,
      );
      expect(await t.core.dump()).toEqual(before);

      const cluster = await t.core.create(GROUPS, simpleGroup({ name: "cluster" }));
      expect(
        (await t.core.put(`${GROUPS}/${cluster.id}`, simpleGroup({ name: "cluster", rules: [rule(1, { address: cluster.id })] }))).status,
      ).toBe(200);
      expect((await t.core.delete(`${GROUPS}/${cluster.id}`)).status).toBe(204);
      // Once the references are gone, so can the group.
      expect((await t.core.put(`${GROUPS}/${db.id}`, simpleGroup({ name: "database" }))).status).toBe(200);
      expect((await t.core.delete(`${GROUPS}/${cache.id}`)).status).toBe(204);
      expect((await t.core.delete(`${GROUPS}/${web.id}`)).status).toBe(204);
    });
  });

  describe("membership changes recompile exactly the referencing sites, in the same transaction", () => {
    it("attach, address changes (declared and reported), detach, delete", async () => {
      const { w1, w2, d1, d2, other, web, db } = await tiers(t.core);
      const dbSites = [d1.id, d2.id];
      // w1 is in web but its own policy names no group; w2 recompiles itself when it joins or leaves web.
      const quiet = [w1.id, other.id];
      expect(await configOf(t.core, d1)).toContain("10.0.1.5");
      expect(await configOf(t.core, d1)).not.toContain("10.0.1.6");

      const step = async (what: string, change: () => Promise<void>, expectBump = true) => {
        const dbBefore = await desired(t.core, dbSites);
        const quietBefore = await desired(t.core, quiet);
        await change();
        const dbAfter = await desired(t.core, dbSites);
        if (expectBump) dbAfter.forEach((r, i) => expect([what, r]).toEqual([what, dbBefore[i] + 1]));
        else expect([what, dbAfter]).toEqual([what, dbBefore]);
        expect([what, await desired(t.core, quiet)]).toEqual([what, quietBefore]);
        if (expectBump) {
          expect((await t.core.get(`${GROUPS}/${db.id}`)).json.status).toBe("syncing");
          await agentApply(t.core, d1.token);
          await agentApply(t.core, d2.token);
        }
        expect((await t.core.get(`${GROUPS}/${db.id}`)).json.status).toBe("active");
      };

      // w2 joins web (w1 stays, so w1's own config is unchanged: web has no group peer).
      await step("attach", async () => {
        expect((await t.core.put(`${GROUPS}/${web.id}`, simpleGroup({ name: "web", sites: [w1.id, w2.id] }))).status).toBe(200);
        await agentApply(t.core, w2.token);
      });
      expect(await configOf(t.core, d1)).toContain("10.0.1.6");

      await step("declared addresses", async () => {
        expect((await t.core.put(`${SITES}/${w2.id}`, { name: "web-2", platform: "nftables", addresses: ["10.0.1.7/32"] })).status).toBe(
          200,
        );
      });
      expect(await configOf(t.core, d1)).toContain("10.0.1.7");
      expect(await configOf(t.core, d1)).not.toContain("10.0.1.6");

      await step(
        "a rename is no address change",
        async () => {
          expect((await t.core.put(`${SITES}/${w2.id}`, { name: "web-2b", platform: "nftables", addresses: ["10.0.1.7/32"] })).status).toBe(
            200,
          );
        },
        false,
      );

      await step("reported anew", async () => {
        expect((await report(t.core, w1, ["10.0.1.50/32"])).status).toBe(204);
      });
      expect(await configOf(t.core, d2)).toContain("10.0.1.50");
      await step(
        "the same report again",
        async () => {
          expect((await report(t.core, w1, ["10.0.1.50/32"])).status).toBe(204);
        },
        false,
      );

      await step("detach", async () => {
        expect((await t.core.put(`${GROUPS}/${web.id}`, simpleGroup({ name: "web", sites: [w1.id] }))).status).toBe(200);
        await agentApply(t.core, w2.token);
      });
      expect(await configOf(t.core, d1)).not.toContain("10.0.1.7");

      // An attached site cannot be deleted; once detached, deleting it changes no membership.
      expectError(await t.core.delete(`${SITES}/${w1.id}`), 409, "site_in_use");
      await step(
        "delete a detached site",
        async () => {
          expect((await t.core.delete(`${SITES}/${w2.id}`)).status).toBe(204);
        },
        false,
      );
    });

    it("a group referencing itself recompiles its own sites when a member's address changes", async () => {
      const a = await site(t.core, "peer-a", ["10.7.0.1/32"]);
      const b = await site(t.core, "peer-b", ["10.7.0.2/32"]);
      const c = await site(t.core, "bystander");
      const cluster = await t.core.create(GROUPS, simpleGroup({ name: "cluster", sites: [a.id, b.id] }));
      const put = await t.core.put(
        `${GROUPS}/${cluster.id}`,
        simpleGroup({ name: "cluster", rules: [rule(1, { address: cluster.id })], sites: [a.id, b.id] }),
      );
      expect(put.status).toBe(200);
      await t.core.create(GROUPS, simpleGroup({ name: "alone", sites: [c.id] }));
      const before = await desired(t.core, [a.id, b.id, c.id]);
      expect((await t.core.put(`${SITES}/${a.id}`, { name: "peer-a", platform: "nftables", addresses: ["10.7.0.9/32"] })).status).toBe(200);
      const after = await desired(t.core, [a.id, b.id, c.id]);
      expect(after).toEqual([before[0] + 1, before[1] + 1, before[2]]);
      expect(await configOf(t.core, b)).toContain("10.7.0.9");
      expect((await t.core.get(`${GROUPS}/${cluster.id}`)).json.pending_sites.map((p: { site: string }) => p.site).sort()).toEqual(
        [a.id, b.id].sort(),
      );
    });

    it("concurrent reports of a self-referencing cluster, while it is re-attached: no 5xx, and every site ends with every member's address", async () => {
      const members = await Promise.all(Array.from({ length: 12 }, (_, i) => site(t.core, `node-${i}`)));
      const cluster = await t.core.create(GROUPS, simpleGroup({ name: "cluster", sites: members.map((m) => m.id) }));
      const self = simpleGroup({ name: "cluster", rules: [rule(1, { address: cluster.id })], sites: members.map((m) => m.id) });
      expect((await t.core.put(`${GROUPS}/${cluster.id}`, self)).status).toBe(200);
      const responses = await Promise.all([
        ...members.map((m, i) => report(t.core, m, [`10.8.${i}.1/32`])),
        t.core.put(`${GROUPS}/${cluster.id}`, { ...self, name: "cluster b" }),
      ]);
      const statuses = responses.map((r) => r.status);
      // The PUT may meet the syncing lock (no agent of these sites is online, so it should not).
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      expect(statuses.slice(0, members.length).every((s) => s === 204)).toBe(true);
      for (const m of members) {
        const config = await configOf(t.core, m);
        for (let i = 0; i < members.length; i++) expect(config).toContain(`10.8.${i}.1`);
      }
    });

    it("self: a create or update stores the group's own id in the same write; members get each other's addresses", async () => {
      const a = await site(t.core, "etcd-a", ["10.9.0.1/32"]);
      const b = await site(t.core, "etcd-b", ["10.9.0.2/32"]);
      const c = await site(t.core, "outsider", ["10.9.0.3/32"]);
      const peers = rule(1, { port: "2379-2380", address: "self", description: "etcd peers" });
      const created = await t.core.post(GROUPS, simpleGroup({ name: "etcd", rules: [peers], sites: [a.id, b.id] }));
      expect(created.status).toBe(201);
      const id = created.json.id as string;
      expect(created.json.rules[0].address).toBe(id);
      expect((await t.core.get(`${GROUPS}/${id}`)).json.rules[0].address).toBe(id);
      await t.core.create(GROUPS, simpleGroup({ name: "outside", sites: [c.id] }));
      for (const s of [a, b]) {
        const config = await configOf(t.core, s);
        expect(config).toContain("10.9.0.1");
        expect(config).toContain("10.9.0.2");
        expect(config).not.toContain("10.9.0.3");
      }
      // Updates take self too; the same body again is the same stored group.
      const updated = await t.core.put(`${GROUPS}/${id}`, simpleGroup({ name: "etcd", rules: [peers, rule(2)], sites: [a.id, b.id] }));
      expect(updated.status).toBe(200);
      expect(updated.json.rules.map((r: { address: string }) => r.address)).toEqual([id, "10.0.0.0/8"]);
      // A member's new address reaches the other member (self is an ordinary reference once stored).
      expect((await t.core.put(`${SITES}/${b.id}`, { name: "etcd-b", platform: "nftables", addresses: ["10.9.0.7/32"] })).status).toBe(200);
      expect(await configOf(t.core, a)).toContain("10.9.0.7");
      // A group referenced only by itself can go.
      expect((await t.core.delete(`${GROUPS}/${id}`)).status).toBe(204);
    });

    it("self: a refused create or update writes nothing, and 'self' is only the exact word", async () => {
      const before = await t.core.dump();
      const refused = await t.core.post(
        GROUPS,
        simpleGroup({ name: "half", rules: [rule(1, { address: "self" }), rule(2, { address: "sec_grp_" + "0".repeat(27) })] }),
      );
      expectError(refused, 422, "reference_not_found");
      expect(refused.json.message).toBe(`rules[1].address: security group sec_grp_${"0".repeat(27)} does not exist in this organization`);
      for (const spelling of ["SELF", " self", "self/32"]) {
        const res = await t.core.post(GROUPS, simpleGroup({ name: "spelled", rules: [rule(1, { address: spelling })] }));
        expectError(res, 422, "invalid_cidr");
      }
      // ICMP with self is fine: the group's IPv4 members, as with any group peer.
      expect(await t.core.dump()).toEqual(before);
      const ping = await t.core.post(
        GROUPS,
        simpleGroup({ name: "pingers", rules: [rule(1, { protocol: 1, port: "", address: "self" })] }),
      );
      expect(ping.status).toBe(201);
      expect(ping.json.rules[0].address).toBe(ping.json.id);
    });

    it("a refused change recompiles nothing", async () => {
      const { w1, web, d1, d2 } = await tiers(t.core);
      const before = await t.core.dump();
      expectError(await t.core.put(`${GROUPS}/${web.id}`, simpleGroup({ name: "web", sites: [w1.id, "site_" + "0".repeat(27)] })), 422);
      expectError(await t.core.put(`${SITES}/${w1.id}`, { name: "web-1", platform: "nftables", addresses: ["10.0.1.5/24"] }), 422);
      expectError(
        await t.core.put(
          `${SITES}/${w1.id}`,
          { name: "web-1", platform: "nftables", addresses: ["10.0.1.0/24"] },
          { headers: { "if-match": '"v999"' } },
        ),
        412,
      );
      expect(await t.core.dump()).toEqual(before);
      expect((await t.core.get(`${GROUPS}/${web.id}`)).json.status).toBe("active");
      expect((await t.core.get(`${SITES}/${d1.id}`)).json.desired_revision).toBe(
        (await t.core.get(`${SITES}/${d2.id}`)).json.desired_revision,
      );
    });
  });
});
