/** The deployer's prefix-list cache on PGlite: what it re-reads, and that a rolled-back write leaves nothing stale behind. */
import "../../test/support/native-modules";
import { orThrow, validatePrefixListWrite } from "../model";
import { openDatabase, type Database } from "../store/database";
import { insertPrefixList, replacePrefixList } from "../store/prefix-lists";
import { PrefixListCache } from "./prefix-list-cache";

let db: Database;
beforeAll(async () => {
  db = await openDatabase();
});
afterAll(async () => {
  await db.close();
});

const write = (name: string, cidrs: string[]) =>
  orThrow(validatePrefixListWrite({ name, prefixes: cidrs.map((cidr) => ({ cidr })), sites: [] }));

it("reads only the lists whose content token changed, and hands out frozen content", async () => {
  const cache = new PrefixListCache();
  const ids = [
    await insertPrefixList(db, "org_c", write("list a", ["10.1.0.0/16"])),
    await insertPrefixList(db, "org_c", write("list b", ["10.2.0.0/16", "10.3.0.0/16"])),
  ];
  const first = await cache.load(db, ids);
  expect(cache.loaded).toBe(2);
  expect(first.get(ids[1])!.prefixes.map((p) => p.cidr)).toEqual(["10.2.0.0/16", "10.3.0.0/16"]);
  expect(Object.isFrozen(first.get(ids[1])) && Object.isFrozen(first.get(ids[1])!.prefixes)).toBe(true);

  const again = await cache.load(db, ids);
  expect(cache.loaded).toBe(2);
  expect(again.get(ids[0])).toBe(first.get(ids[0]));

  await db.transaction((tx) => replacePrefixList(tx, ids[1], write("list b", ["10.4.0.0/16"])));
  const after = await cache.load(db, ids);
  expect(cache.loaded).toBe(3);
  expect(after.get(ids[0])).toBe(first.get(ids[0]));
  expect(after.get(ids[1])!.prefixes.map((p) => p.cidr)).toEqual(["10.4.0.0/16"]);
  // A deleted list is simply absent.
  expect((await cache.load(db, [...ids, "prfx_lst_000000000000000000000000000"])).size).toBe(2);
});

it("a write read into the cache inside a transaction that rolls back is never served afterwards", async () => {
  const cache = new PrefixListCache();
  const id = await insertPrefixList(db, "org_c", write("list r", ["10.10.0.0/16"]));
  await cache.load(db, [id]);
  await expect(
    db.transaction(async (tx) => {
      await replacePrefixList(tx, id, write("list r", ["10.99.0.0/16"]));
      // What a deploy inside the writer's transaction sees (and caches).
      expect((await cache.load(tx, [id])).get(id)!.prefixes.map((p) => p.cidr)).toEqual(["10.99.0.0/16"]);
      throw new Error("rolled back");
    }),
  ).rejects.toThrow("rolled back");
  expect((await cache.load(db, [id])).get(id)!.prefixes.map((p) => p.cidr)).toEqual(["10.10.0.0/16"]);
});

it("stays within its bound of prefixes, least recently used out first, and stays correct", async () => {
  const cache = new PrefixListCache(3);
  const a = await insertPrefixList(db, "org_c", write("list x", ["10.20.0.0/16", "10.21.0.0/16"]));
  const b = await insertPrefixList(db, "org_c", write("list y", ["10.22.0.0/16", "10.23.0.0/16"]));
  await cache.load(db, [a]);
  await cache.load(db, [b]); // a is evicted: 4 prefixes > 3
  const loaded = cache.loaded;
  expect((await cache.load(db, [a])).get(a)!.prefixes.map((p) => p.cidr)).toEqual(["10.20.0.0/16", "10.21.0.0/16"]);
  expect(cache.loaded).toBe(loaded + 1);
});
