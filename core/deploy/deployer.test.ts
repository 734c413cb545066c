/** Deployer on PGlite with a counting compiler: one compilation and one stored config per distinct site policy, batched writes. */
import "../../test/support/native-modules";
import { newId, orThrow, validateSecurityGroupWrite } from "../model";
import { openDatabase, type Database, type Queryable } from "../store/database";
import { insertGroup, replaceGroup } from "../store/security-groups";
import { insertSite } from "../store/sites";
import { syncTargets } from "../store/revisions";
import { Deployer, type CompileFn } from "./deployer";

let db: Database;
let compiles: { platform: string; mode: string; groups: string[] }[];
const compile: CompileFn = (doc, platform, { mode }) => {
  compiles.push({ platform, mode, groups: doc.security_groups.map((g) => g.id) });
  return `${platform}/${mode}: ${doc.security_groups.map((g) => `${g.id}[${g.rules.map((r) => r.port).join(" ")}]`).join(" ")}`;
};
const deployer = new Deployer({ compile, syncTimeoutMs: 60_000 });

beforeAll(async () => {
  db = await openDatabase();
});
afterAll(async () => {
  await db.close();
});
beforeEach(() => {
  compiles = [];
});

/** New sites, their ids sorted. */
async function newSites(count: number, platform: "nftables" | "iptables" = "nftables"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = newId("site");
    await insertSite(db, { id, orgId: "org_d", name: id, platform, mode: "host", tokenHash: `hash_${id}` });
    ids.push(id);
  }
  return ids.sort();
}

function group(port: string, sites: string[]) {
  return orThrow(
    validateSecurityGroupWrite({
      name: `group ${port}`,
      rules: [{ direction: "inbound", order: 10, protocol: 6, port, address: "0.0.0.0/0", description: "in" }],
      sites,
    }),
  );
}

/** Counts the statements a deploy runs. */
function counting(tx: Queryable): { q: Queryable; count: () => number } {
  let count = 0;
  return {
    q: {
      query: (sql, params) => {
        count++;
        return tx.query(sql, params);
      },
    },
    count: () => count,
  };
}

async function revisions(siteIds: string[]) {
  return db.query<{ site_id: string; revision: number; digest: string }>(
    `SELECT site_id, revision, digest FROM site_revisions WHERE site_id = ANY($1::text[]) ORDER BY site_id, revision`,
    [siteIds],
  );
}

it("compiles identical sites once, stores one config, and gives every site its own revision", async () => {
  const nft = await newSites(40);
  const ipt = await newSites(5, "iptables");
  const all = [...nft, ...ipt];
  let statements = 0;
  const id = await db.transaction(async (tx) => {
    const gid = await insertGroup(tx, "org_d", group("443", all));
    const c = counting(tx);
    await deployer.deploy(c.q, [{ resourceId: gid, siteIds: all }]);
    statements = c.count();
    return gid;
  });
  // Two distinct policies (platform differs): two compilations, two configs.
  expect(compiles).toHaveLength(2);
  expect(new Set(compiles.map((c) => c.platform))).toEqual(new Set(["nftables", "iptables"]));
  const revs = await revisions(all);
  expect(revs).toHaveLength(45);
  expect(revs.every((r) => r.revision === 1)).toBe(true);
  expect(new Set(revs.map((r) => r.digest)).size).toBe(2);
  // A fixed number of statements, not a few per site.
  expect(statements).toBeLessThan(20);
  const desired = await db.query<{ desired_revision: number }>(`SELECT DISTINCT desired_revision FROM sites WHERE id = ANY($1::text[])`, [
    all,
  ]);
  expect(desired).toEqual([{ desired_revision: 1 }]);
  // Every site waits to apply revision 1.
  const targets = await syncTargets(db, [id]);
  expect(targets.map((t) => [t.site_id, t.revision, t.state])).toEqual(all.sort().map((s) => [s, 1, "pending"]));

  // A change: every site gets revision 2, again from one compilation per policy.
  compiles = [];
  await db.transaction(async (tx) => {
    await replaceGroup(tx, id, group("443,8443", all));
    await deployer.deploy(tx, [{ resourceId: id, siteIds: all }]);
  });
  expect(compiles).toHaveLength(2);
  const after = await revisions(all);
  expect(after.filter((r) => r.revision === 2)).toHaveLength(45);
  expect((await syncTargets(db, [id])).every((t) => t.revision === 2 && t.state === "pending")).toBe(true);
});

it("keeps a site's revision when its configuration did not change, and counts it applied if the site already applied it", async () => {
  const sites = await newSites(3);
  const id = await db.transaction(async (tx) => {
    const gid = await insertGroup(tx, "org_d", group("22", sites));
    await deployer.deploy(tx, [{ resourceId: gid, siteIds: sites }]);
    return gid;
  });
  await db.query(`UPDATE sites SET applied_revision = 1 WHERE id = $1`, [sites[0]]);
  // Same rules again: no new revision, and the site that applied revision 1 is done.
  await db.transaction(async (tx) => {
    await replaceGroup(tx, id, group("22", sites));
    await deployer.deploy(tx, [{ resourceId: id, siteIds: sites }]);
  });
  expect((await revisions(sites)).map((r) => r.revision)).toEqual([1, 1, 1]);
  const pending = await syncTargets(db, [id]);
  expect(pending.map((t) => t.site_id)).toEqual(sites.slice(1));
  const all = await db.query<{ site_id: string; state: string }>(
    `SELECT site_id, state FROM sync_targets WHERE resource_id = $1 ORDER BY site_id`,
    [id],
  );
  expect(all[0]).toEqual({ site_id: sites[0], state: "applied" });
});

it("gives a site that lost its last group an unmanaged revision", async () => {
  const sites = await newSites(2);
  const id = await db.transaction(async (tx) => {
    const gid = await insertGroup(tx, "org_d", group("80", sites));
    await deployer.deploy(tx, [{ resourceId: gid, siteIds: sites }]);
    return gid;
  });
  compiles = [];
  await db.transaction(async (tx) => {
    await replaceGroup(tx, id, group("80", [sites[0]]));
    await deployer.deploy(tx, [{ resourceId: id, siteIds: sites }]);
  });
  expect(compiles).toHaveLength(1);
  const rows = await db.query<{ site_id: string; revision: number; managed: boolean; body: string }>(
    `SELECT r.site_id, r.revision, r.managed, c.body FROM site_revisions r JOIN configs c USING (digest)
     WHERE r.site_id = ANY($1::text[]) AND r.revision = 2 ORDER BY r.site_id`,
    [sites],
  );
  // Site 0 still has the same group and rules: no new revision; site 1 is no longer filtered.
  expect(rows).toEqual([{ site_id: sites[1], revision: 2, managed: false, body: "" }]);
});
