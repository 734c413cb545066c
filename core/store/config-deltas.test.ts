/** Configurations stored as deltas of earlier ones (#17) read back exactly, within a bounded chain, on PGlite. */
import "../../test/support/native-modules";
import { createHash } from "node:crypto";
import { openDatabase, type Database } from "./database";
import { configDepths, insertRevisions, MAX_CONFIG_DEPTH } from "./revisions";
import { configBody, insertSite } from "./sites";

let db: Database;
beforeAll(async () => {
  db = await openDatabase();
  await insertSite(db, { id: "site_cfg", orgId: "org_t", name: "cfg", platform: "nftables", mode: "host", tokenHash: "hash_cfg" });
});
afterAll(async () => {
  await db.close();
});

const digest = (text: string) => createHash("sha256").update(text).digest("hex");
const text = (change: number) =>
  Array.from({ length: 400 }, (_, i) => (i === 200 ? `elements = { 10.${change}.0.0/16 }` : `line ${i} of a large configuration`)).join(
    "\n",
  );
const stored = (d: string) =>
  db.query<{ body: string; base_digest: string | null; depth: number }>(`SELECT body, base_digest, depth FROM configs WHERE digest = $1`, [
    d,
  ]);

it("a chain of small changes is stored as deltas, read back exactly, and starts over in full at the depth bound", async () => {
  let previous: { digest: string; body: string } | undefined;
  for (let revision = 1; revision <= MAX_CONFIG_DEPTH + 3; revision++) {
    const body = text(revision);
    const config = { digest: digest(body), body };
    const depth = previous ? (await configDepths(db, [previous.digest])).get(previous.digest)! : undefined;
    await db.transaction((tx) =>
      insertRevisions(
        tx,
        [previous ? { ...config, base: { ...previous, depth: depth! } } : config],
        [{ siteId: "site_cfg", revision, digest: config.digest, managed: true }],
      ),
    );
    const [row] = await stored(config.digest);
    const expectedDepth = revision === 1 ? 0 : (revision - 1) % (MAX_CONFIG_DEPTH + 1);
    expect(row.depth).toBe(expectedDepth);
    expect(row.base_digest === null).toBe(expectedDepth === 0);
    if (expectedDepth > 0) expect(row.body.length * 4).toBeLessThan(body.length);
    expect(await configBody(db, config.digest)).toBe(body);
    previous = config;
  }
});

it("stores the full text when the delta would not be much smaller", async () => {
  const base = "a\nb\nc";
  const body = "x\ny\nz";
  await insertRevisions(
    db,
    [{ digest: digest(base), body: base }],
    [{ siteId: "site_cfg", revision: 100, digest: digest(base), managed: true }],
  );
  await insertRevisions(
    db,
    [{ digest: digest(body), body, base: { digest: digest(base), body: base, depth: 0 } }],
    [{ siteId: "site_cfg", revision: 101, digest: digest(body), managed: true }],
  );
  expect((await stored(digest(body)))[0]).toEqual({ body, base_digest: null, depth: 0 });
});

it("refuses a stored delta that does not rebuild to its digest", async () => {
  const body = text(999);
  const wrong = "0".repeat(64);
  await db.query(`INSERT INTO configs (digest, body, base_digest, depth) VALUES ($1, $2, $3, 1)`, [
    wrong,
    JSON.stringify([{ at: 0, delete: 0, insert: ["tampered"] }]),
    digest(text(1)),
  ]);
  await expect(configBody(db, wrong)).rejects.toThrow(/does not rebuild/);
  expect(await configBody(db, digest(text(1)))).toBe(text(1));
  expect(body.length).toBeGreaterThan(0);
});
