/**
 * No silent lock-out: only online sites hold the `syncing` lock. A site whose
 * agent never connected, or has gone offline, gets its revision queued; the
 * resource says so in `pending_sites`, and writes (the `pulumi destroy` case)
 * go through.
 */
import { ENGINES, agentApply, agentHeartbeat, expectError, rule, simpleGroup, useCore } from "../../support/core";

const GROUPS = "/vpc/security-groups";
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(ENGINES)("sites that cannot confirm do not lock (%s)", (engine) => {
  describe("with the default offline window", () => {
    const t = useCore(engine);

    it("a group on a never-connected site can be updated and deleted, and says the site is pending and why", async () => {
      const site = await t.core.createSite("no-agent");
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      expect(g.status).toBe("syncing");
      expect(g.pending_sites).toEqual([
        { site: site.id, reason: "never_connected", revision: expect.any(Number), applied_revision: null, last_seen: null },
      ]);

      const put = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ sites: [site.id], rules: [rule(1, { port: "22" })] }));
      expect(put.status).toBe(200);
      expect(put.json.status).toBe("syncing");
      expect(put.json.pending_sites).toEqual([expect.objectContaining({ site: site.id, reason: "never_connected" })]);
      expect(put.json.pending_sites[0].revision).toBeGreaterThan(g.pending_sites[0].revision);

      const del = await t.core.delete(`${GROUPS}/${g.id}`);
      expect(del.status).toBe(204);
      expect((await t.core.get(`${GROUPS}/${g.id}`)).status).toBe(404);
    });

    it("a prefix list on a never-connected site is not locked either", async () => {
      const site = await t.core.createSite("no-agent-list");
      const list = await t.core.createPrefixList({ sites: [site.id] });
      expect(list.pending_sites).toEqual([expect.objectContaining({ site: site.id, reason: "never_connected" })]);
      const put = await t.core.put(`/vpc/prefix-lists/${list.id}`, { name: "x", prefixes: [], sites: [site.id] });
      expect(put.status).toBe(200);
      expect((await t.core.delete(`/vpc/prefix-lists/${list.id}`)).status).toBe(204);
    });

    it("a site that is online but slow still locks (409) and is named as applying", async () => {
      const site = await t.core.createSite("slow");
      await agentHeartbeat(t.core, site.token);
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      expect(g.pending_sites).toEqual([expect.objectContaining({ site: site.id, reason: "applying", last_seen: expect.any(String) })]);
      const put = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ name: "changed", sites: [site.id] }));
      expectError(put, 409, "resource_syncing");
      expect(put.json.message).toContain(site.id);
      const del = await t.core.delete(`${GROUPS}/${g.id}`);
      expectError(del, 409, "resource_syncing");
    });

    it("a group with one online and one never-connected site locks on the online one only", async () => {
      const online = await t.core.createSite("online");
      const absent = await t.core.createSite("absent");
      await agentHeartbeat(t.core, online.token);
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [online.id, absent.id] }));
      expectError(await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ sites: [online.id, absent.id] })), 409, "resource_syncing");
      await agentApply(t.core, online.token);
      const after = (await t.core.get(`${GROUPS}/${g.id}`)).json;
      expect(after.status).toBe("syncing");
      expect(after.pending_sites).toEqual([expect.objectContaining({ site: absent.id, reason: "never_connected" })]);
      expect((await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ name: "next", sites: [online.id, absent.id] }))).status).toBe(200);
    });

    it("when the never-connected site's agent connects it gets the latest revision and the group becomes active", async () => {
      const site = await t.core.createSite("late");
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      const put = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ sites: [site.id], rules: [rule(1, { port: "8443" })] }));
      expect(put.status).toBe(200);
      const config = await t.core.get("/agent/v1/config", { token: site.token });
      expect(config.json.revision).toBe(put.json.pending_sites[0].revision);
      expect(config.json.config).toContain("8443");
      await agentApply(t.core, site.token);
      const after = (await t.core.get(`${GROUPS}/${g.id}`)).json;
      expect(after.status).toBe("active");
      expect(after.pending_sites).toEqual([]);
    });
  });

  describe("with a short sync timeout", () => {
    const t = useCore(engine, { syncTimeoutMs: 300 });

    it("a site that connects after the deadline passed gets a fresh one: applying (locked), not failed", async () => {
      const site = await t.core.createSite("late-comer");
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      await pause(400);
      expect((await t.core.get(`${GROUPS}/${g.id}`)).json.status).toBe("syncing");
      await agentHeartbeat(t.core, site.token);
      const after = (await t.core.get(`${GROUPS}/${g.id}`)).json;
      expect(after.status).toBe("syncing");
      expect(after.pending_sites).toEqual([expect.objectContaining({ site: site.id, reason: "applying" })]);
      expectError(await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ sites: [site.id] })), 409, "resource_syncing");
      // and once online, the usual timeout applies again
      await pause(400);
      expect((await t.core.get(`${GROUPS}/${g.id}`)).json.status).toBe("failed");
    });
  });

  describe("with a short offline window", () => {
    const t = useCore(engine, { siteOfflineAfterMs: 50 });

    it("a site not heard from for the window is offline: queued, not locking, with its last contact", async () => {
      const site = await t.core.createSite("went-away");
      await agentHeartbeat(t.core, site.token);
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      await pause(80);
      const after = (await t.core.get(`${GROUPS}/${g.id}`)).json;
      expect(after.status).toBe("syncing");
      expect(after.pending_sites).toEqual([expect.objectContaining({ site: site.id, reason: "offline", last_seen: expect.any(String) })]);
      expect((await t.core.get(`/vpc/sites/${site.id}`)).json.online).toBe(false);
      expect((await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ name: "changed", sites: [site.id] }))).status).toBe(200);
    });
  });
});
