/** The agent side: coalesced reads, the config cache, long polls and one-statement reports (PGlite). */
import "../../test/support/native-modules";
import { ApiError, newId, orThrow, validateSecurityGroupWrite } from "../model";
import { Deployer } from "../deploy/deployer";
import { openDatabase, type Database } from "../store/database";
import { insertGroup, replaceGroup } from "../store/security-groups";
import { syncTargets } from "../store/revisions";
import { insertSite } from "../store/sites";
import { AgentService, Coalesced, CoalescedReader, ConfigCache, SiteWaiters } from "./agent-sessions";
import { hashSiteToken } from "./sites";

/** Turns of the event loop until `done` holds (no clock involved). */
async function turnsUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setImmediate(r));
  expect(done()).toBe(true);
}

describe("CoalescedReader", () => {
  it("answers the reads of one turn with one batch, and duplicates with the same value", async () => {
    const batches: string[][] = [];
    const reader = new CoalescedReader<string, number>(async (keys) => {
      batches.push(keys);
      return new Map(keys.filter((k) => k !== "missing").map((k) => [k, k.length]));
    });
    const got = await Promise.all(["a", "bb", "a", "missing"].map((k) => reader.read(k)));
    expect(got).toEqual([1, 2, 1, undefined]);
    expect(batches).toEqual([["a", "bb", "missing"]]);
  });

  it("never answers a read with a batch that was issued before it", async () => {
    const issued: string[][] = [];
    let value = 1;
    const gates: (() => void)[] = [];
    const reader = new CoalescedReader<string, number>(
      (keys) => {
        issued.push(keys);
        const v = value; // what the "database" holds when the batch is issued
        return new Promise((resolve) => gates.push(() => resolve(new Map(keys.map((k) => [k, v])))));
      },
      1000,
      1,
    );
    const first = reader.read("k");
    await turnsUntil(() => issued.length === 1);
    // Written after the first batch went out: a read requested now must see it.
    value = 2;
    const second = reader.read("k");
    gates.shift()!();
    expect(await first).toBe(1);
    await turnsUntil(() => issued.length === 2);
    gates.shift()!();
    expect(await second).toBe(2);
  });

  it("splits large batches, limits batches in flight, and passes errors to every reader of the batch", async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const reader = new CoalescedReader<string, string>(
      async (keys) => {
        batches.push(keys);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        if (keys.includes("bad")) throw new Error("boom");
        return new Map(keys.map((k) => [k, k]));
      },
      3,
      2,
    );
    const keys = ["a", "b", "c", "d", "e", "f", "g"];
    expect(await Promise.all(keys.map((k) => reader.read(k)))).toEqual(keys);
    expect(batches.every((b) => b.length <= 3)).toBe(true);
    expect(batches.flat().sort()).toEqual(keys);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    await expect(reader.read("bad")).rejects.toThrow("boom");
    expect(await reader.read("ok")).toBe("ok");
  });
});

describe("Coalesced writes", () => {
  it("puts one request per key in flight; a key's later requests follow in order, in later batches", async () => {
    const batches: [string, number][][] = [];
    const inFlight = new Set<string>();
    const writer = new Coalesced<string, number, string>(
      async (batch) => {
        batches.push([...batch]);
        for (const k of batch.keys()) {
          expect(inFlight.has(k)).toBe(false);
          inFlight.add(k);
        }
        await new Promise((r) => setImmediate(r));
        for (const k of batch.keys()) inFlight.delete(k);
        return new Map([...batch].filter(([k]) => k !== "refused").map(([k, v]) => [k, `${k}=${v}`]));
      },
      { share: false },
    );
    const got = await Promise.all([
      writer.submit("a", 1),
      writer.submit("b", 1),
      writer.submit("a", 2),
      writer.submit("refused", 1),
      writer.submit("a", 3),
    ]);
    expect(got).toEqual(["a=1", "b=1", "a=2", undefined, "a=3"]);
    expect(batches).toEqual([
      [
        ["a", 1],
        ["b", 1],
        ["refused", 1],
      ],
      [["a", 2]],
      [["a", 3]],
    ]);
  });
});

describe("ConfigCache", () => {
  it("loads a digest once for concurrent and later readers, and forgets unknown digests", async () => {
    const loads: string[] = [];
    const cache = new ConfigCache();
    const load = async (d: string) => {
      loads.push(d);
      return d === "missing" ? undefined : `body of ${d}`;
    };
    expect(await Promise.all([cache.get("x", load), cache.get("x", load)])).toEqual(["body of x", "body of x"]);
    expect(await cache.get("x", load)).toBe("body of x");
    expect(await cache.get("missing", load)).toBeUndefined();
    expect(await cache.get("missing", load)).toBeUndefined();
    expect(loads).toEqual(["x", "missing", "missing"]);
  });

  it("evicts the least recently used bodies beyond its size", async () => {
    const loads: string[] = [];
    const cache = new ConfigCache(10);
    const load = async (d: string) => {
      loads.push(d);
      return d.repeat(4);
    };
    await cache.get("a", load); // 4 chars
    await cache.get("b", load); // 8
    await cache.get("a", load); // a is now the most recent
    await cache.get("c", load); // 12 > 10: b goes
    await cache.get("a", load);
    await cache.get("b", load);
    expect(loads).toEqual(["a", "b", "c", "b"]);
  });

  it("does not keep a failed load", async () => {
    const cache = new ConfigCache();
    let fail = true;
    const load = async () => {
      if (fail) throw new Error("db down");
      return "ok";
    };
    await expect(cache.get("d", load)).rejects.toThrow("db down");
    fail = false;
    expect(await cache.get("d", load)).toBe("ok");
  });
});

describe("AgentService", () => {
  let db: Database;
  let waiters: SiteWaiters;
  let agent: AgentService;
  const deployer = new Deployer({
    compile: (doc) => `table ${doc.security_groups.map((g) => g.rules.map((r) => r.port).join(",")).join(" ")}`,
    syncTimeoutMs: 60_000,
  });

  beforeAll(async () => {
    db = await openDatabase();
    waiters = new SiteWaiters();
    await waiters.start(db);
    agent = new AgentService({ db, deployer }, waiters);
  });
  afterAll(async () => {
    await waiters.stop();
    await db.close();
  });

  const groupWrite = (port: string, sites: string[]) =>
    orThrow(
      validateSecurityGroupWrite({
        name: "agent test",
        rules: [{ direction: "inbound", order: 1, protocol: 6, port, address: "0.0.0.0/0", description: "in" }],
        sites,
      }),
    );

  async function siteWithGroup(): Promise<{ id: string; token: string; group: string }> {
    const id = newId("site");
    const token = `sgs_${id}`;
    await insertSite(db, { id, orgId: "org_a", name: id, platform: "nftables", mode: "host", tokenHash: hashSiteToken(token) });
    const group = await db.transaction(async (tx) => {
      const gid = await insertGroup(tx, "org_a", groupWrite("80", [id]));
      await deployer.deploy(tx, [{ resourceId: gid, siteIds: [id] }]);
      return gid;
    });
    return { id, token, group };
  }

  async function change(site: { id: string; group: string }, port: string): Promise<void> {
    await db.transaction(async (tx) => {
      await replaceGroup(tx, site.group, groupWrite(port, [site.id]));
      await deployer.deploy(tx, [{ resourceId: site.group, siteIds: [site.id] }]);
    });
  }

  it("serves the stored config, then 304 for its ETag; a held poll wakes on a change", async () => {
    const site = await siteWithGroup();
    const first = await agent.poll(site.token, undefined, 0);
    if (!first.changed) throw new Error("expected a config");
    expect(first.body).toMatchObject({ site_id: site.id, revision: 1, managed: true, config: "table 80" });
    expect(await agent.poll(site.token, first.etag, 0)).toEqual({ changed: false, etag: first.etag });

    // The site is known now: this long poll subscribes before its one read.
    const held = agent.poll(site.token, first.etag, 30_000);
    // Let it read and wait (either way the answer is the new config: that is what is asserted).
    await new Promise((r) => setTimeout(r, 50));
    await change(site, "443");
    const woken = await held;
    if (!woken.changed) throw new Error("expected the new config");
    expect(woken.body).toMatchObject({ revision: 2, config: "table 443" });
  });

  it("a held poll woken without a change (re-check after a reconnect) keeps waiting, then gets the change", async () => {
    const site = await siteWithGroup();
    const first = await agent.poll(site.token, undefined, 0);
    if (!first.changed) throw new Error("expected a config");
    let answered = false;
    const held = agent.poll(site.token, first.etag, 30_000).finally(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    waiters.wakeAll();
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    await change(site, "22");
    const woken = await held;
    expect(woken.changed && woken.body.config).toBe("table 22");
  });

  it("a held poll still ends at its deadline with 304", async () => {
    const site = await siteWithGroup();
    const first = await agent.poll(site.token, undefined, 0);
    const started = Date.now();
    const held = agent.poll(site.token, first.etag, 300);
    waiters.wakeAll();
    expect(await held).toEqual({ changed: false, etag: first.etag });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("a long poll that starts after a change returns at once", async () => {
    const site = await siteWithGroup();
    const first = await agent.poll(site.token, undefined, 0);
    await change(site, "8080");
    const next = await agent.poll(site.token, first.etag, 30_000);
    expect(next.changed && next.body.revision).toBe(2);
  });

  it("a report marks what waited on the site; 401 and 422 as before", async () => {
    const site = await siteWithGroup();
    expect((await syncTargets(db, [site.group])).map((t) => t.state)).toEqual(["pending"]);
    await agent.report(site.token, { revision: 1, status: "applied", digest: "d" });
    expect(await syncTargets(db, [site.group])).toEqual([]);

    const status = async (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e: ApiError) => [e.status, e.code],
      );
    expect(await status(agent.report("sgs_nobody", { revision: 1, status: "applied" }))).toEqual([401, expect.any(String)]);
    expect(await status(agent.report(undefined, { revision: 1, status: "applied" }))).toEqual([401, expect.any(String)]);
    // A bad body with a bad token is 401; with a good token 422.
    expect(await status(agent.report("sgs_nobody", { revision: "1", status: "ok" }))).toEqual([401, expect.any(String)]);
    expect(await status(agent.report(site.token, { revision: "1", status: "ok" }))).toEqual([422, "parameter_invalid"]);
    expect(await status(agent.report(site.token, { revision: 9, status: "applied" }))).toEqual([422, "unknown_revision"]);

    await change(site, "25");
    await agent.report(site.token, { revision: 2, status: "failed", error: "nft: no" });
    expect((await syncTargets(db, [site.group])).map((t) => [t.state, t.error])).toEqual([["failed", "nft: no"]]);
  });

  it("heartbeats: 204 for a site, 401 otherwise", async () => {
    const site = await siteWithGroup();
    await expect(agent.heartbeat(site.token)).resolves.toBeUndefined();
    await expect(agent.heartbeat("sgs_nobody")).rejects.toMatchObject({ status: 401 });
    await expect(agent.poll("sgs_nobody", undefined, 0)).rejects.toMatchObject({ status: 401 });
  });
});
