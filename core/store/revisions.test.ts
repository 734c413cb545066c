/** The batched revision queries and the batched agent reports (one statement), on PGlite (the same SQL runs on PostgreSQL). */
import "../../test/support/native-modules";
import { openDatabase, type Database } from "./database";
import { PolicySnapshotter } from "./policy-snapshots";
import { insertRevisions, replaceSyncTargets, revisionDigests, siteRevisionDetail, syncTargets } from "./revisions";
import { insertSite, recordHeartbeat, recordReports, sitesByTokenHashes, siteByTokenHash, type AgentReport } from "./sites";

let db: Database;

beforeAll(async () => {
  db = await openDatabase();
});
afterAll(async () => {
  await db.close();
});

let n = 0;
async function newSites(count: number): Promise<{ id: string; hash: string }[]> {
  const out: { id: string; hash: string }[] = [];
  for (let i = 0; i < count; i++) {
    const id = `site_t${String(++n).padStart(4, "0")}`;
    await insertSite(db, { id, orgId: "org_t", name: id, platform: "nftables", mode: "host", tokenHash: `hash_${id}` });
    out.push({ id, hash: `hash_${id}` });
  }
  return out;
}

const applied = (revision: number, digest = "d"): AgentReport => ({ revision, applied: true, digest, error: null, drift: false });
const failed = (revision: number, error: string | null): AgentReport => ({ revision, applied: false, digest: null, error, drift: true });

/** One report alone in its batch: the site id when it applied. */
async function recordReport(q: Database, tokenHash: string, report: AgentReport, failure: string): Promise<string | undefined> {
  return (await recordReports(q, new Map([[tokenHash, { report, failure }]]))).get(tokenHash);
}

async function siteRow(id: string) {
  const [row] = await db.query<{
    desired_revision: number;
    applied_revision: number | null;
    applied_digest: string | null;
    last_error: string | null;
    drift: boolean;
  }>(`SELECT desired_revision, applied_revision, applied_digest, last_error, drift FROM sites WHERE id = $1`, [id]);
  return row;
}

async function targetsOf(resourceId: string) {
  return db.query<{ site_id: string; revision: number; state: string; error: string | null }>(
    `SELECT site_id, revision, state, error FROM sync_targets WHERE resource_id = $1 ORDER BY site_id`,
    [resourceId],
  );
}

describe("insertRevisions", () => {
  it("stores each distinct configuration once, one revision row per site, and every desired_revision", async () => {
    const [a, b, c] = await newSites(3);
    await db.transaction((tx) =>
      insertRevisions(
        tx,
        [
          { digest: "dg_same", body: "table same" },
          { digest: "dg_same", body: "table same" },
          { digest: "dg_other", body: "table other" },
        ],
        [
          { siteId: a.id, revision: 1, digest: "dg_same", managed: true },
          { siteId: b.id, revision: 1, digest: "dg_same", managed: true },
          { siteId: c.id, revision: 1, digest: "dg_other", managed: false },
        ],
      ),
    );
    expect(await db.query(`SELECT digest, body FROM configs WHERE digest LIKE 'dg_%' ORDER BY digest`)).toEqual([
      { digest: "dg_other", body: "table other" },
      { digest: "dg_same", body: "table same" },
    ]);
    expect(
      await db.query(`SELECT site_id, revision, digest, managed FROM site_revisions WHERE site_id = ANY($1::text[]) ORDER BY site_id`, [
        [a.id, b.id, c.id],
      ]),
    ).toEqual([
      { site_id: a.id, revision: 1, digest: "dg_same", managed: true },
      { site_id: b.id, revision: 1, digest: "dg_same", managed: true },
      { site_id: c.id, revision: 1, digest: "dg_other", managed: false },
    ]);
    for (const s of [a, b, c]) expect((await siteRow(s.id)).desired_revision).toBe(1);

    // A configuration that is already stored is not an error; other sites keep their revision.
    await db.transaction((tx) =>
      insertRevisions(tx, [{ digest: "dg_same", body: "table same" }], [{ siteId: a.id, revision: 2, digest: "dg_same", managed: true }]),
    );
    expect((await siteRow(a.id)).desired_revision).toBe(2);
    expect((await siteRow(b.id)).desired_revision).toBe(1);
    expect(await db.query(`SELECT count(*)::int AS n FROM configs WHERE digest = 'dg_same'`)).toEqual([{ n: 1 }]);
  });

  it("stores a prefix list once across revisions and gives each revision its whole policy document back", async () => {
    const [a] = await newSites(1);
    const list = (id: string, cidr: string) => Object.freeze({ id, name: id, description: null, prefixes: [{ cidr, description: null }] });
    const snapshots = new PolicySnapshotter();
    const docs = [
      { prefix_lists: [list("prfx_lst_keep", "10.0.0.0/8"), list("prfx_lst_feed", "192.0.2.0/24")], security_groups: [] },
      { prefix_lists: [list("prfx_lst_keep", "10.0.0.0/8"), list("prfx_lst_feed", "198.51.100.0/24")], security_groups: [] },
    ];
    const pieces = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM policy_pieces`))[0].n;
    const before = await pieces();
    for (const [i, doc] of docs.entries()) {
      const policy = snapshots.snapshot(doc);
      await db.transaction((tx) =>
        insertRevisions(
          tx,
          [{ digest: `dg_p${i}`, body: `table ${i}` }],
          [{ siteId: a.id, revision: i + 1, digest: `dg_p${i}`, managed: true, policyDigest: policy.digest }],
          [policy],
        ),
      );
    }
    // The unchanged list is stored once; the edited one once per content.
    expect((await pieces()) - before).toBe(3);
    for (const [i, doc] of docs.entries()) {
      const detail = await siteRevisionDetail(db, a.id, i + 1);
      expect(JSON.parse(detail!.policy!)).toEqual(doc);
      expect(detail!.config).toBe(`table ${i}`);
    }
  });

  it("does nothing without revisions", async () => {
    const before = await db.query(`SELECT count(*)::int AS n FROM site_revisions`);
    await db.transaction((tx) => insertRevisions(tx, [], []));
    expect(await db.query(`SELECT count(*)::int AS n FROM site_revisions`)).toEqual(before);
  });
});

describe("revisionDigests", () => {
  it("answers every asked (site, revision) in one map; missing revisions are absent", async () => {
    const [a, b, c] = await newSites(3);
    await db.transaction((tx) =>
      insertRevisions(
        tx,
        [
          { digest: "dg_r1", body: "r1" },
          { digest: "dg_r2", body: "r2" },
        ],
        [
          { siteId: a.id, revision: 1, digest: "dg_r1", managed: true },
          { siteId: b.id, revision: 1, digest: "dg_r2", managed: true },
        ],
      ),
    );
    const got = await revisionDigests(db, [
      { siteId: a.id, revision: 1 },
      { siteId: b.id, revision: 1 },
      { siteId: c.id, revision: 1 }, // never issued
      { siteId: a.id, revision: 7 }, // not this revision
    ]);
    expect(got).toEqual(
      new Map([
        [a.id, "dg_r1"],
        [b.id, "dg_r2"],
      ]),
    );
    expect(await revisionDigests(db, [])).toEqual(new Map());
  });
});

describe("recordReports (one statement)", () => {
  async function setUp() {
    const [a, b] = await newSites(2);
    await db.transaction(async (tx) => {
      await insertRevisions(
        tx,
        [{ digest: "dg_x", body: "x" }],
        [a, b].map((s) => ({ siteId: s.id, revision: 1, digest: "dg_x", managed: true })),
      );
      await insertRevisions(
        tx,
        [],
        [a, b].map((s) => ({ siteId: s.id, revision: 2, digest: "dg_x", managed: true })),
      );
      await replaceSyncTargets(
        tx,
        `res_one_${a.id}`,
        [a, b].map((s) => ({ siteId: s.id, revision: 1, applied: false })),
        60_000,
      );
      await replaceSyncTargets(tx, `res_two_${a.id}`, [{ siteId: a.id, revision: 2, applied: false }], 60_000);
    });
    return { a, b, one: `res_one_${a.id}`, two: `res_two_${a.id}` };
  }

  it("applied: records the site and marks what waited on that revision or an earlier one, nothing else", async () => {
    const { a, b, one, two } = await setUp();
    expect(await recordReport(db, a.hash, applied(1, "dg_x"), "unused")).toBe(a.id);
    expect(await targetsOf(one)).toEqual([
      { site_id: a.id, revision: 1, state: "applied", error: null },
      { site_id: b.id, revision: 1, state: "pending", error: null },
    ]);
    expect(await targetsOf(two)).toEqual([{ site_id: a.id, revision: 2, state: "pending", error: null }]);
    expect(await siteRow(a.id)).toMatchObject({ applied_revision: 1, applied_digest: "dg_x", last_error: null, drift: false });
    // An older report does not move applied_revision back.
    expect(await recordReport(db, a.hash, applied(2), "unused")).toBe(a.id);
    expect(await recordReport(db, a.hash, applied(1), "unused")).toBe(a.id);
    expect((await siteRow(a.id)).applied_revision).toBe(2);
    expect((await targetsOf(two))[0].state).toBe("applied");
    // Statuses read only what is not applied.
    expect((await syncTargets(db, [one, two])).map((t) => t.site_id)).toEqual([b.id]);
  });

  it("failed: fails only pending targets up to that revision; a later applied report clears them", async () => {
    const { a, b, one, two } = await setUp();
    expect(await recordReport(db, a.hash, failed(1, "nft: syntax error"), "nft: syntax error")).toBe(a.id);
    expect(await targetsOf(one)).toEqual([
      { site_id: a.id, revision: 1, state: "failed", error: "nft: syntax error" },
      { site_id: b.id, revision: 1, state: "pending", error: null },
    ]);
    expect((await targetsOf(two))[0].state).toBe("pending");
    expect(await siteRow(a.id)).toMatchObject({ applied_revision: null, last_error: "nft: syntax error", drift: true });
    // Without an error text the site keeps none, the targets get the default message.
    expect(await recordReport(db, b.hash, failed(1, null), "the agent could not apply the configuration")).toBe(b.id);
    expect((await targetsOf(one))[1]).toEqual({
      site_id: b.id,
      revision: 1,
      state: "failed",
      error: "the agent could not apply the configuration",
    });
    expect((await siteRow(b.id)).last_error).toBeNull();

    expect(await recordReport(db, a.hash, applied(2), "unused")).toBe(a.id);
    expect((await targetsOf(one))[0]).toEqual({ site_id: a.id, revision: 1, state: "applied", error: null });
    expect((await targetsOf(two))[0].state).toBe("applied");
  });

  it("records a batch of applied and failed reports as each alone, leaving out the ones that do not apply", async () => {
    const { a, b, one, two } = await setUp();
    const recorded = await recordReports(
      db,
      new Map([
        [a.hash, { report: applied(2, "dg_x"), failure: "unused" }],
        [b.hash, { report: failed(1, "nft: syntax error"), failure: "nft: syntax error" }],
        ["hash_nobody", { report: applied(1), failure: "x" }],
      ]),
    );
    expect(recorded).toEqual(
      new Map([
        [a.hash, a.id],
        [b.hash, b.id],
      ]),
    );
    expect(await targetsOf(one)).toEqual([
      { site_id: a.id, revision: 1, state: "applied", error: null },
      { site_id: b.id, revision: 1, state: "failed", error: "nft: syntax error" },
    ]);
    expect((await targetsOf(two))[0].state).toBe("applied");
    expect(await siteRow(a.id)).toMatchObject({ applied_revision: 2, applied_digest: "dg_x", last_error: null, drift: false });
    expect(await siteRow(b.id)).toMatchObject({ applied_revision: null, last_error: "nft: syntax error", drift: true });
    // A revision never issued leaves its site alone, and the others of the batch still apply.
    const before = await siteRow(b.id);
    expect(
      await recordReports(
        db,
        new Map([
          [a.hash, { report: applied(1), failure: "unused" }],
          [b.hash, { report: applied(3), failure: "unused" }],
        ]),
      ),
    ).toEqual(new Map([[a.hash, a.id]]));
    expect(await siteRow(b.id)).toEqual(before);
    expect((await siteRow(a.id)).applied_revision).toBe(2);
    expect(await recordReports(db, new Map())).toEqual(new Map());
  });

  it("records nothing for an unknown token or a revision never issued", async () => {
    const { a, one } = await setUp();
    const before = await siteRow(a.id);
    expect(await recordReport(db, "hash_nobody", applied(1), "x")).toBeUndefined();
    expect(await recordReport(db, a.hash, applied(3), "x")).toBeUndefined();
    expect(await recordReport(db, a.hash, failed(3, "boom"), "boom")).toBeUndefined();
    expect(await siteRow(a.id)).toEqual(before);
    expect((await targetsOf(one)).every((t) => t.state === "pending")).toBe(true);
  });
});

describe("agent reads by token hash", () => {
  it("reads many sites in one query; unknown hashes are absent", async () => {
    const [a, b] = await newSites(2);
    await db.transaction((tx) =>
      insertRevisions(tx, [{ digest: "dg_v", body: "v" }], [{ siteId: a.id, revision: 1, digest: "dg_v", managed: true }]),
    );
    const views = await sitesByTokenHashes(db, [a.hash, b.hash, "hash_nobody"]);
    expect([...views.keys()].sort()).toEqual([a.hash, b.hash].sort());
    expect(views.get(a.hash)).toEqual({ id: a.id, platform: "nftables", mode: "host", desired_revision: 1, digest: "dg_v", managed: true });
    expect(views.get(b.hash)).toEqual({ id: b.id, platform: "nftables", mode: "host", desired_revision: 0, digest: null, managed: null });
    expect(await siteByTokenHash(db, a.hash)).toEqual(views.get(a.hash));
    expect(await siteByTokenHash(db, "hash_nobody")).toBeUndefined();
    expect(await sitesByTokenHashes(db, [])).toEqual(new Map());
  });

  it("records a heartbeat in one statement; false for an unknown token", async () => {
    const [a] = await newSites(1);
    expect(await recordHeartbeat(db, a.hash)).toBe(true);
    expect((await db.query<{ last_seen: Date | null }>(`SELECT last_seen FROM sites WHERE id = $1`, [a.id]))[0].last_seen).not.toBeNull();
    expect(await recordHeartbeat(db, "hash_nobody")).toBe(false);
  });
});
