/** Deployer on PGlite with a counting compiler: one compilation and one stored config per distinct site policy, batched writes. */
import "../../test/support/native-modules";
import { newId, orThrow, validateSecurityGroupWrite } from "../model";
import { openDatabase, type Database, type Queryable } from "../store/database";
import { insertGroup, replaceGroup } from "../store/security-groups";
import { insertSite } from "../store/sites";
import { syncTargets } from "../store/revisions";
import { Deployer, type CompileFn } from "./deployer";
import { referencingChanges } from "./membership";

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

describe("groups as peers (#15)", () => {
  const peers: unknown[] = [];
  const peerCompile: CompileFn = (doc, platform) => {
    peers.push(doc.referenced_groups);
    return `${platform}: ${JSON.stringify(doc.referenced_groups)} ${doc.security_groups.map((g) => g.id).join(" ")}`;
  };
  const peerDeployer = new Deployer({ compile: peerCompile, syncTimeoutMs: 60_000 });

  function referencing(peer: string, sites: string[]) {
    return orThrow(
      validateSecurityGroupWrite({
        name: "referencing",
        rules: [{ direction: "inbound", order: 10, protocol: 6, port: "5432", address: peer, description: "from the peer group" }],
        sites,
      }),
    );
  }

  /** `count` sites in one statement (the deploy's cost is what is measured, not the setup's). */
  async function bulkSites(count: number, addresses: (i: number) => { declared: string[]; reported: string[] }): Promise<string[]> {
    const ids = Array.from({ length: count }, () => newId("site")).sort();
    await db.query(
      `INSERT INTO sites (id, org_id, name, platform, mode, token_hash, addresses, reported_addresses)
       SELECT id, 'org_d', id, 'nftables', 'host', 'hash_' || id, ARRAY(SELECT json_array_elements_text(d)), ARRAY(SELECT json_array_elements_text(r))
       FROM json_to_recordset($1::json) AS t(id text, d json, r json)`,
      [JSON.stringify(ids.map((id, i) => ({ id, d: addresses(i).declared, r: addresses(i).reported })))],
    );
    return ids;
  }

  it("fills referenced_groups with each member site's effective addresses: declared when any, else reported", async () => {
    const members = await bulkSites(3, (i) =>
      i === 0
        ? { declared: ["10.0.1.0/24"], reported: ["10.0.1.5/32"] }
        : { declared: [], reported: i === 1 ? ["10.0.2.5/32", "2001:db8::5/128"] : [] },
    );
    const [db1] = await bulkSites(1, () => ({ declared: [], reported: [] }));
    peers.length = 0;
    const web = await db.transaction(async (tx) => {
      const webId = await insertGroup(tx, "org_d", group("443", members));
      const dbId = await insertGroup(tx, "org_d", referencing(webId, [db1]));
      await peerDeployer.deploy(tx, [{ resourceId: dbId, siteIds: [db1] }]);
      return webId;
    });
    expect(peers).toEqual([
      [
        {
          id: web,
          name: "group 443",
          members: [
            { site: members[0], name: members[0], addresses: ["10.0.1.0/24"] },
            { site: members[1], name: members[1], addresses: ["10.0.2.5/32", "2001:db8::5/128"] },
            { site: members[2], name: members[2], addresses: [] },
          ],
        },
      ],
    ]);
  });

  it("a membership change of a group referenced on 1,000 sites: one compilation, a fixed number of statements, only those sites", async () => {
    const webSites = await bulkSites(2, (i) => ({ declared: [], reported: [`10.0.9.${i + 1}/32`] }));
    const dbSites = await bulkSites(1000, () => ({ declared: [], reported: [] }));
    const bystanders = await bulkSites(3, () => ({ declared: [], reported: [] }));
    const { web, dbGroup } = await db.transaction(async (tx) => {
      const webId = await insertGroup(tx, "org_d", group("443", [webSites[0]]));
      const dbId = await insertGroup(tx, "org_d", referencing(webId, dbSites));
      const other = await insertGroup(tx, "org_d", group("22", bystanders));
      await peerDeployer.deploy(tx, [
        { resourceId: dbId, siteIds: dbSites },
        { resourceId: webId, siteIds: [webSites[0]] },
        { resourceId: other, siteIds: bystanders },
      ]);
      return { web: webId, dbGroup: dbId };
    });
    peers.length = 0;
    let statements = 0;
    const started = Date.now();
    await db.transaction(async (tx) => {
      await replaceGroup(tx, web, group("443", webSites));
      const c = counting(tx);
      const changes = await referencingChanges(c.q, [web]);
      expect(changes).toEqual([{ resourceId: dbGroup, siteIds: dbSites }]);
      await peerDeployer.deploy(c.q, [{ resourceId: web, siteIds: webSites }, ...changes]);
      statements = c.count();
    });
    console.log(`FIGURE membership-change-1000-sites ${JSON.stringify({ statements, ms: Date.now() - started })}`);
    // The db sites share one policy; the joining web site has its own (web's rules name no peer, so no referenced groups).
    expect(peers.filter((p) => (p as unknown[]).length)).toHaveLength(1);
    // A bound independent of the 1,000 sites (23 before #17's prefix-list cache and config-delta lookups, 25 with them).
    expect(statements).toBeLessThan(30);
    const revs = await db.query<{ site_id: string; revision: number }>(
      `SELECT site_id, max(revision)::int AS revision FROM site_revisions WHERE site_id = ANY($1::text[]) GROUP BY site_id`,
      [[...dbSites, ...bystanders, webSites[0]]],
    );
    const byId = new Map(revs.map((r) => [r.site_id, r.revision]));
    expect(dbSites.every((id) => byId.get(id) === 2)).toBe(true);
    expect(bystanders.map((id) => byId.get(id))).toEqual([1, 1, 1]);
    expect(byId.get(webSites[0])).toBe(1);
    expect((await syncTargets(db, [dbGroup])).filter((t) => t.revision === 2)).toHaveLength(1000);
  });
});
