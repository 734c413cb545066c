/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * The deployer's cache of unchanged prefix lists (#17) never serves stale
 * content: after every kind of change (a list's prefixes, its name, its
 * deletion, a group's rules and attachments, a refused write) what each site
 * is given equals a fresh compile of what the API reads back, without any
 * cache, also as stored and read back from the database (where it is mostly
 * a delta of the site's previous configuration). Both engines (PostgreSQL runs the deployer's reads as separate
 * statements under READ COMMITTED).
 */
import { compilePolicy } from "../../../core/platforms";
import { configBody } from "../../../core/store/sites";
import { ENGINES, rule, useCore, type TestCore } from "../../support/core";

const LISTS = "/vpc/prefix-lists";
const GROUPS = "/vpc/security-groups";

const prefixes = (base: number, n: number) => Array.from({ length: n }, (_, i) => ({ cidr: `10.${base}.${i}.0/24`, description: null }));

describe.each(ENGINES)("prefix-list cache (%s)", (engine) => {
  const t = useCore(engine);
  let core: TestCore;
  const sites: Record<"nft" | "ipt" | "ros", { id: string; token: string; platform: string }> = {} as never;
  const lists: Record<string, string> = {};
  const groups: Record<string, string> = {};

  /** A site's configuration as served, against a fresh uncached compile of its groups and their lists read from the API. */
  async function expectFresh(site: { id: string; token: string; platform: string }) {
    const served = await core.get("/agent/v1/config", { token: site.token });
    expect(served.status).toBe(200);
    const all = (await core.get(GROUPS, { query: { limit: "100" } })).json as any[];
    const attached = all.filter((g) => g.sites.includes(site.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
    if (!attached.length) return expect(served.json.managed).toBe(false);
    const ids = [...new Set(attached.flatMap((g) => g.rules.map((r: any) => r.address)).filter((a: string) => a.startsWith("prfx_lst_")))];
    const listed = await Promise.all(ids.sort().map(async (id) => (await core.get(`${LISTS}/${id}`)).json));
    const fresh = compilePolicy({ prefix_lists: listed, security_groups: attached }, site.platform as never);
    expect(served.json.config).toBe(fresh);
    // As stored (a delta of the site's previous configuration, mostly), read back without the server's memory.
    expect(await configBody(core.db, served.json.digest)).toBe(fresh);
  }

  async function expectAllFresh() {
    for (const site of Object.values(sites)) await expectFresh(site);
  }

  const put = async (path: string, body: unknown) => {
    const res = await core.put(path, body);
    if (res.status !== 200) throw new Error(`PUT ${path} -> ${res.status}: ${res.body}`);
    return res.json;
  };

  beforeAll(async () => {
    core = t.core;
    for (const [key, platform] of [
      ["nft", "nftables"],
      ["ipt", "iptables"],
      ["ros", "routeros"],
    ] as const)
      sites[key] = { ...(await core.createSite(`cache-${key}`, { platform })), platform };
    for (const [name, base] of [
      ["one", 1],
      ["two", 2],
      ["three", 3],
    ] as const)
      lists[name] = (await core.create(LISTS, { name: `list ${name}`, prefixes: prefixes(base, 20) })).id;
    groups.web = (
      await core.create(GROUPS, {
        name: "web",
        rules: [rule(1, { address: lists.one }), rule(2, { address: lists.two, port: "22" })],
        sites: [sites.nft.id, sites.ipt.id, sites.ros.id],
      })
    ).id;
    groups.db = (
      await core.create(GROUPS, { name: "database", rules: [rule(5, { address: lists.three, port: "5432" })], sites: [sites.ipt.id] })
    ).id;
  });

  it("serves the fresh compile at the start", async () => {
    await expectAllFresh();
  });

  it("after an edit of a list's prefixes (and after editing it back)", async () => {
    await put(`${LISTS}/${lists.one}`, { name: "list one", prefixes: [...prefixes(1, 19), { cidr: "192.168.1.0/24", description: null }] });
    await expectAllFresh();
    await put(`${LISTS}/${lists.one}`, { name: "list one", prefixes: prefixes(1, 20) });
    await expectAllFresh();
  });

  it("after a rename and a description change only", async () => {
    await put(`${LISTS}/${lists.two}`, { name: "list two renamed", description: "now described", prefixes: prefixes(2, 20) });
    await expectAllFresh();
  });

  it("after a list used only by another site's group changes", async () => {
    await put(`${LISTS}/${lists.three}`, { name: "list three", prefixes: prefixes(3, 5) });
    await expectAllFresh();
  });

  it("after a group change: rules moved to other lists, a site detached", async () => {
    await put(`${GROUPS}/${groups.web}`, {
      name: "web",
      rules: [rule(1, { address: lists.three }), rule(3, { address: lists.one, port: "8080" })],
      sites: [sites.nft.id, sites.ipt.id],
    });
    await expectAllFresh();
  });

  it("after a delete of a list no rule uses any more, and a new list with its name", async () => {
    expect((await core.delete(`${LISTS}/${lists.two}`)).status).toBe(204);
    const again = (await core.create(LISTS, { name: "list two renamed", prefixes: prefixes(9, 3) })).id;
    await put(`${GROUPS}/${groups.web}`, {
      name: "web",
      rules: [rule(1, { address: again }), rule(3, { address: lists.one, port: "8080" })],
      sites: [sites.nft.id, sites.ipt.id, sites.ros.id],
    });
    await expectAllFresh();
  });

  it("after refused writes (stale If-Match, invalid body): nothing changes", async () => {
    const before = (await core.get("/agent/v1/config", { token: sites.nft.token })).json;
    const stale = await core.put(
      `${LISTS}/${lists.one}`,
      { name: "list one", prefixes: prefixes(7, 2) },
      {
        headers: { "if-match": '"v1"' },
      },
    );
    expect(stale.status).toBe(412);
    const invalid = await core.put(`${LISTS}/${lists.one}`, { name: "list one", prefixes: [{ cidr: "10.0.0.1/8" }] });
    expect(invalid.status).toBe(422);
    expect((await core.get("/agent/v1/config", { token: sites.nft.token })).json).toEqual(before);
    await expectAllFresh();
  });
});
