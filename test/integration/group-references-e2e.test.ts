/**
 * A group as a rule's peer, end to end on real nftables (#15): the core runs
 * in a hub namespace that routes between three site namespaces, each with its
 * own real `secgroups agent`; the database site allows tcp/5432 from the
 * *web group*, and every expectation is a real TCP connection to it.
 *
 *   sg-web-a 10.78.2.2 ──┐
 *   sg-web-b 10.78.3.2 ──┼── sg-hub (core on :8787, routes)
 *            10.78.3.3   │
 *   sg-db    10.78.1.2 ──┘  (listens on 5432)
 *
 * Shown: a site joining and leaving the referenced group, a site's address
 * changing (declared through the API, and reported anew by its agent), the
 * 409 for deleting a group that another group's rules name, and a cluster
 * group whose rule says `self` (its members reach each other, others do not).
 * The database group itself is never changed after it is created.
 */
import { Netns, connect, uniqueSuffix } from "../support/netns";
import { LISTEN_SCRIPT, probe } from "../support/probe";
import { Api, Proc, ensureBuilt, eventually, startAgent, startRelay, startServer, tempDir, userToken } from "../support/secgroups";

jest.setTimeout(120_000);

const DB = "10.78.1.2";
const WEB_A = "10.78.2.2";
const WEB_B = "10.78.3.2";
const WEB_B_SECOND = "10.78.3.3";
/** An address web-b gains later, while its agent is stopped. */
const WEB_B_NEW = "10.78.3.9";
const TARGET = `${DB}:5432`;

const suffix = uniqueSuffix();
const names = { hub: `sg-hub-${suffix}`, db: `sg-db-${suffix}`, webA: `sg-wa-${suffix}`, webB: `sg-wb-${suffix}` };
let hub: Netns;
let db: Netns;
let webA: Netns;
let webB: Netns;
let core: Proc | undefined;
let relay: Proc | undefined;
let listener: Proc | undefined;
const agents = new Map<string, Proc>();
let api: Api;
const sites: Record<"db" | "webA" | "webB", { id: string; token: string }> = {} as never;
let webGroup: { id: string; body: Record<string, unknown> };
let dbGroup: { id: string; rules: unknown; updated_at: string };

const allOut = [
  { direction: "outbound", order: 100, protocol: 0, port: "", address: "0.0.0.0/0", description: "all out" },
  { direction: "outbound", order: 110, protocol: 0, port: "", address: "::/0", description: "all out (IPv6)" },
];

function reach(from: Netns, source: string): string {
  return probe(from, source, [TARGET])[TARGET];
}

function runAgent(key: keyof typeof sites, ns: Netns, link: number): void {
  const agent = startAgent(ns, [
    "--endpoint",
    `http://10.78.${link}.1:8787`,
    "--site-token",
    sites[key].token,
    "--state-dir",
    tempDir(`sg-grp-agent-${key}-`),
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--address-check",
    "1s",
    "--backoff-max",
    "1s",
  ]);
  agents.set(key, agent);
}

async function site(key: keyof typeof sites): Promise<{ addresses: string[]; reported_addresses: string[]; applied_revision: number }> {
  return api.ok("GET", `/vpc/sites/${sites[key].id}`);
}

/** Until the group reads `active` (a group that is syncing refuses writes with 409). */
async function untilActive(id: string): Promise<void> {
  await eventually(`group ${id} active`, async () => (await api.ok("GET", `/vpc/security-groups/${id}`)).status === "active", 45_000);
}

async function putWebSites(members: (keyof typeof sites)[]): Promise<void> {
  await untilActive(webGroup.id);
  await api.ok("PUT", `/vpc/security-groups/${webGroup.id}`, { ...webGroup.body, sites: members.map((m) => sites[m].id) });
}

/** Until `from` (bound to `source`) sees tcp/5432 on the database site as `want`. */
async function untilReach(from: Netns, source: string, want: "open" | "timeout", what: string): Promise<void> {
  await eventually(what, () => reach(from, source) === want, 45_000, 300).catch((err: Error) => {
    const logs = [...agents.entries()].map(([k, a]) => `--- agent ${k}:\n${a.text.slice(-2000)}`).join("\n");
    throw new Error(`${err.message}\n${logs}`);
  });
}

/** The database group is never written after creation: same rules, same updated_at. */
async function expectDatabaseGroupUnchanged(): Promise<void> {
  const now = await api.ok("GET", `/vpc/security-groups/${dbGroup.id}`);
  expect(now.rules).toEqual(dbGroup.rules);
  expect(now.updated_at).toBe(dbGroup.updated_at);
}

beforeAll(async () => {
  ensureBuilt();
  hub = Netns.create(names.hub);
  db = Netns.create(names.db);
  webA = Netns.create(names.webA);
  webB = Netns.create(names.webB);
  hub.exec("sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
  connect(hub, ["10.78.1.1/24"], db, [`${DB}/24`], `sgd${suffix}`);
  connect(hub, ["10.78.2.1/24"], webA, [`${WEB_A}/24`], `sga${suffix}`);
  connect(hub, ["10.78.3.1/24"], webB, [`${WEB_B}/24`, `${WEB_B_SECOND}/24`], `sgb${suffix}`);
  for (const [ns, link] of [
    [db, 1],
    [webA, 2],
    [webB, 3],
  ] as const)
    ns.exec("ip", ["route", "add", "default", "via", `10.78.${link}.1`]);
  listener = new Proc(db.spawn(process.execPath, ["-e", LISTEN_SCRIPT, "5432"], { stdio: ["ignore", "pipe", "pipe"] }), "listener");
  await listener.waitFor(/listening/);
  core = await startServer({ ns: hub, host: "0.0.0.0", port: 8787, data: tempDir("sg-grp-data-"), syncTimeout: "30s" });
  const r = await startRelay(hub, "127.0.0.1", 8787);
  relay = r.proc;
  api = new Api("http://127.0.0.1:8787", userToken("org_group_refs"), r.socketPath);
}, 180_000);

afterAll(async () => {
  for (const p of [...agents.values(), core, listener, relay]) await p?.kill("SIGKILL").catch(() => undefined);
  for (const ns of [hub, db, webA, webB]) ns?.delete();
});

test("before any group is attached, every web site reaches the database", () => {
  expect(reach(webA, WEB_A)).toBe("open");
  expect(reach(webB, WEB_B)).toBe("open");
});

test("the database allows the web group: its member reaches tcp/5432, a site outside it does not", async () => {
  for (const key of ["db", "webA", "webB"] as const) {
    const created = await api.ok("POST", "/vpc/sites", { name: `grp-${key}`, platform: "nftables" });
    sites[key] = { id: created.id, token: created.token };
  }
  runAgent("db", db, 1);
  runAgent("webA", webA, 2);
  runAgent("webB", webB, 3);
  const webBody = { name: "grp-web", description: "web tier", rules: allOut, sites: [sites.webA.id] };
  webGroup = { id: (await api.ok("POST", "/vpc/security-groups", webBody)).id, body: webBody };
  const created = await api.ok("POST", "/vpc/security-groups", {
    name: "grp-db",
    description: "PostgreSQL from the web group",
    rules: [{ direction: "inbound", order: 10, protocol: 6, port: "5432", address: webGroup.id, description: "app to db" }, ...allOut],
    sites: [sites.db.id],
  });
  dbGroup = { id: created.id, rules: created.rules, updated_at: created.updated_at };
  expect(created.rules[0].address).toBe(webGroup.id);

  // The agents report their interfaces' addresses (no loopback).
  await eventually("web-a's address reported", async () => (await site("webA")).reported_addresses.includes(`${WEB_A}/32`), 45_000);
  await eventually(
    "web-b's addresses reported",
    async () => (await site("webB")).reported_addresses.includes(`${WEB_B_SECOND}/32`),
    45_000,
  );
  expect((await site("webB")).reported_addresses).toEqual(expect.arrayContaining([`${WEB_B}/32`, `${WEB_B_SECOND}/32`]));
  expect((await site("webA")).reported_addresses).not.toContain("127.0.0.1/32");

  await untilReach(webA, WEB_A, "open", "web-a (a member) reaches the database");
  expect(reach(webB, WEB_B)).toBe("timeout");
  await untilActive(dbGroup.id);
  await untilActive(webGroup.id);
});

test("a site joining the web group reaches the database, with no change to the database group", async () => {
  await putWebSites(["webA", "webB"]);
  await untilReach(webB, WEB_B, "open", "web-b reaches the database after joining");
  expect(reach(webB, WEB_B_SECOND)).toBe("open");
  expect(reach(webA, WEB_A)).toBe("open");
  await expectDatabaseGroupUnchanged();
});

test("a site leaving the web group loses access", async () => {
  await putWebSites(["webB"]);
  await untilReach(webA, WEB_A, "timeout", "web-a is cut off after leaving");
  expect(reach(webB, WEB_B)).toBe("open");
  await expectDatabaseGroupUnchanged();
});

test("declared addresses replace the reported ones; clearing them brings the reported ones back", async () => {
  await api.ok("PUT", `/vpc/sites/${sites.webB.id}`, { name: "grp-webB", platform: "nftables", addresses: [`${WEB_B_SECOND}/32`] });
  await untilReach(webB, WEB_B, "timeout", "web-b's undeclared address is cut off");
  expect(reach(webB, WEB_B_SECOND)).toBe("open");
  expect(await site("webB")).toMatchObject({ addresses: [`${WEB_B_SECOND}/32`] });

  await api.ok("PUT", `/vpc/sites/${sites.webB.id}`, { name: "grp-webB", platform: "nftables", addresses: [] });
  await untilReach(webB, WEB_B, "open", "web-b's reported address is in effect again");
  await expectDatabaseGroupUnchanged();
});

test("an address the agent reports anew is let in; one it no longer has is taken out", async () => {
  // Gained while the agent is stopped: nobody has told the control plane, so the database drops it.
  await agents.get("webB")!.kill("SIGTERM");
  webB.exec("ip", ["addr", "add", `${WEB_B_NEW}/24`, "dev", `sgb${suffix}b`]);
  expect(reach(webB, WEB_B_NEW)).toBe("timeout");
  // The agent reports its interfaces when it starts (and whenever they change).
  runAgent("webB", webB, 3);
  await untilReach(webB, WEB_B_NEW, "open", "the newly reported address reaches the database");
  expect((await site("webB")).reported_addresses).toContain(`${WEB_B_NEW}/32`);

  webB.exec("ip", ["addr", "del", `${WEB_B_NEW}/24`, "dev", `sgb${suffix}b`]);
  await eventually(
    "the removed address reported gone",
    async () => !(await site("webB")).reported_addresses.includes(`${WEB_B_NEW}/32`),
    45_000,
  );
  await eventually("the database's ruleset no longer holds it", () => !db.exec("nft", ["list", "ruleset"]).includes(WEB_B_NEW), 30_000);
  expect(reach(webB, WEB_B)).toBe("open");
  await expectDatabaseGroupUnchanged();
});

test("deleting the referenced group is a 409 naming the group that references it, and changes nothing", async () => {
  const refused = await api.call("DELETE", `/vpc/security-groups/${webGroup.id}`);
  expect(refused.status).toBe(409);
  expect(refused.body).toMatchObject({ type: expect.any(String), code: expect.any(String), doc_url: expect.any(String) });
  expect(refused.body.message).toContain(dbGroup.id);
  expect((await api.call("GET", `/vpc/security-groups/${webGroup.id}`)).status).toBe(200);
  expect(reach(webB, WEB_B)).toBe("open");
  expect(reach(webA, WEB_A)).toBe("timeout");
});

test("self: a cluster group created with a rule from self lets its members in, and no one else", async () => {
  // web-b leaves the web group, web-a is already out: neither reaches the database through it.
  await putWebSites([]);
  await untilReach(webB, WEB_B, "timeout", "web-b is cut off after the web group is emptied");
  expect(reach(webA, WEB_A)).toBe("timeout");
  // One POST: the rule says self, the API stores the new group's own id.
  const cluster = await api.ok("POST", "/vpc/security-groups", {
    name: "grp-cluster",
    description: "members talk to each other",
    rules: [{ direction: "inbound", order: 10, protocol: 6, port: "5432", address: "self", description: "replication" }, ...allOut],
    sites: [sites.db.id, sites.webA.id],
  });
  expect(cluster.rules[0].address).toBe(cluster.id);
  await untilReach(webA, WEB_A, "open", "web-a (a member of the cluster) reaches the database (a member too)");
  expect(reach(webB, WEB_B)).toBe("timeout");
  expect(reach(webB, WEB_B_SECOND)).toBe("timeout");
  await untilActive(cluster.id);
  await expectDatabaseGroupUnchanged();
});
