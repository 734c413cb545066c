/** Status lifecycle (active / syncing / failed) with a simulated agent, on both engines. */
import { ENGINES, agentApply, agentHeartbeat, rule, simpleGroup, useCore, type TestCore } from "../../support/core";

const GROUPS = "/vpc/security-groups";

/** Waits (without asserting on time) until the deadline of `ms` has certainly passed. */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(ENGINES)("status lifecycle (%s)", (engine) => {
  describe("with the default sync timeout", () => {
    const t = useCore(engine);
    const status = async (core: TestCore, id: string, path = GROUPS) => (await core.get(`${path}/${id}`)).json;

    it("no sites -> active", async () => {
      const g = await t.core.create(GROUPS, simpleGroup());
      expect(g.status).toBe("active");
      expect(g.sync_errors).toEqual([]);
    });

    it("with sites -> syncing, and stays syncing while no agent confirms", async () => {
      const site = await t.core.createSite();
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      expect(g.status).toBe("syncing");
      expect((await status(t.core, g.id)).status).toBe("syncing");
      const list = await t.core.get(GROUPS, { query: { limit: "100" } });
      expect(list.json.find((x: { id: string }) => x.id === g.id).status).toBe("syncing");
    });

    it("agent polls and reports applied -> active; then the group can be changed", async () => {
      const site = await t.core.createSite();
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      const config = await t.core.get("/agent/v1/config", { token: site.token });
      expect(config.status).toBe(200);
      expect(config.json).toMatchObject({ site_id: site.id, managed: true, platform: "nftables" });
      expect(config.json.config.length).toBeGreaterThan(0);
      expect(config.headers.etag).toBeDefined();
      // the same ETag is 304
      const again = await t.core.get("/agent/v1/config", { token: site.token, headers: { "if-none-match": String(config.headers.etag) } });
      expect(again.status).toBe(304);

      const report = await t.core.post(
        "/agent/v1/report",
        { revision: config.json.revision, status: "applied", digest: config.json.digest },
        { token: site.token },
      );
      expect(report.status).toBe(204);
      const after = await status(t.core, g.id);
      expect(after.status).toBe("active");
      expect(after.sync_errors).toEqual([]);

      const siteView = (await t.core.get(`/vpc/sites/${site.id}`)).json;
      expect(siteView.applied_revision).toBe(config.json.revision);
      expect(siteView.online).toBe(true);

      // unlocked: a PUT is accepted and syncs again with a new revision
      const put = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ sites: [site.id], rules: [rule(1), rule(2, { port: "80" })] }));
      expect(put.status).toBe(200);
      expect(put.json.status).toBe("syncing");
      const next = await agentApply(t.core, site.token);
      expect(next.revision).toBeGreaterThan(config.json.revision);
      expect((await status(t.core, g.id)).status).toBe("active");
    });

    it("a failed report -> failed with the error naming the site", async () => {
      const site = await t.core.createSite();
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      await agentApply(t.core, site.token, { status: "failed", error: "nft: syntax error, unexpected junk" });
      const after = await status(t.core, g.id);
      expect(after.status).toBe("failed");
      expect(after.sync_errors).toEqual([{ site: site.id, message: "nft: syntax error, unexpected junk" }]);
      expect((await t.core.get(`/vpc/sites/${site.id}`)).json.last_error).toBe("nft: syntax error, unexpected junk");
      // failed is not locked: a fix can be pushed, and applying it makes the group active
      const put = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ name: "fixed", sites: [site.id] }));
      expect(put.status).toBe(200);
      await agentApply(t.core, site.token);
      expect((await status(t.core, g.id)).status).toBe("active");
    });

    it("one of two sites applying is not enough; both -> active", async () => {
      const s1 = await t.core.createSite();
      const s2 = await t.core.createSite();
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [s1.id, s2.id] }));
      await agentApply(t.core, s1.token);
      expect((await status(t.core, g.id)).status).toBe("syncing");
      await agentApply(t.core, s2.token);
      expect((await status(t.core, g.id)).status).toBe("active");
    });

    it("prefix lists follow the same lifecycle; a change to a referenced list syncs the group's sites", async () => {
      const site = await t.core.createSite();
      const list = await t.core.createPrefixList();
      expect(list.status).toBe("active");
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id], rules: [rule(1, { address: list.id })] }));
      await agentApply(t.core, site.token);
      expect((await status(t.core, g.id)).status).toBe("active");
      const put = await t.core.put(`/vpc/prefix-lists/${list.id}`, { name: "Office", prefixes: [{ cidr: "192.0.2.0/24" }] });
      expect(put.status).toBe(200);
      expect(put.json.status).toBe("syncing");
      const cfg = await t.core.get("/agent/v1/config", { token: site.token });
      expect(cfg.json.config).toContain("192.0.2.0");
      await agentApply(t.core, site.token);
      expect((await status(t.core, list.id, "/vpc/prefix-lists")).status).toBe("active");
    });

    it("detaching the last group leaves the site unmanaged", async () => {
      const site = await t.core.createSite();
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      await agentApply(t.core, site.token);
      const put = await t.core.put(`${GROUPS}/${g.id}`, simpleGroup({ sites: [] }));
      expect(put.status).toBe(200);
      const cfg = await t.core.get("/agent/v1/config", { token: site.token });
      expect(cfg.json.managed).toBe(false);
      expect(cfg.json.config).toBe("");
    });
  });

  describe("with a tiny sync timeout", () => {
    const t = useCore(engine, { syncTimeoutMs: 1 });

    it("an online site that never confirms -> failed, sync_errors naming the site", async () => {
      const site = await t.core.createSite("silent");
      await agentHeartbeat(t.core, site.token);
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      await pause(20);
      const after = (await t.core.get(`${GROUPS}/${g.id}`)).json;
      expect(after.status).toBe("failed");
      expect(after.sync_errors).toHaveLength(1);
      expect(after.sync_errors[0].site).toBe(site.id);
      expect(after.sync_errors[0].message).toMatch(/did not confirm revision \d+/);
      // a late confirmation still makes it active
      await agentApply(t.core, site.token);
      expect((await t.core.get(`${GROUPS}/${g.id}`)).json.status).toBe("active");
    });

    it("a site whose agent never connected is queued, not failed, past the deadline", async () => {
      const site = await t.core.createSite("no-agent-yet");
      const g = await t.core.create(GROUPS, simpleGroup({ sites: [site.id] }));
      await pause(20);
      const after = (await t.core.get(`${GROUPS}/${g.id}`)).json;
      expect(after.status).toBe("syncing");
      expect(after.sync_errors).toEqual([]);
      expect(after.pending_sites).toEqual([expect.objectContaining({ site: site.id, reason: "never_connected", last_seen: null })]);
    });
  });
});
