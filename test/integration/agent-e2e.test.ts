/**
 * End to end on real nftables: the core and the agent run in a "server"
 * namespace, a "client" namespace holds the listed address 10.77.0.2 and an
 * unlisted one 10.77.0.3, and every expectation is a real TCP connection.
 *
 * The agent runs with `--nft-bin` pointing at a wrapper that passes everything
 * to nft except a file containing the marker address 192.0.2.66, which it
 * rejects like the kernel would (nothing loaded, error on stderr): there is no
 * honest way to make this kernel reject a well-formed ruleset on demand.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Netns, connect, uniqueSuffix } from "../support/netns";
import { LISTEN_SCRIPT, probe } from "../support/probe";
import { Api, Proc, ensureBuilt, eventually, startAgent, startRelay, startServer, tempDir, userToken } from "../support/secgroups";

jest.setTimeout(90_000);

const SERVER = "10.77.0.1";
const LISTED = "10.77.0.2";
const UNLISTED = "10.77.0.3";
const MARKER = "192.0.2.66";
const ENDPOINT = `http://${SERVER}:8787`;
const targets = [8080, 8081, 8082].map((p) => `${SERVER}:${p}`);

const suffix = uniqueSuffix();
let server: Netns;
let client: Netns;
let core: Proc | undefined;
let agent: Proc | undefined;
let listener: Proc | undefined;
let relay: Proc | undefined;
let api: Api;
let dataDir: string;
let stateDir: string;
let nftWrapper: string;
let siteId: string;
let siteToken: string;
let listId: string;
let groupId: string;

function reach(source: string) {
  return probe(client, source, targets);
}

const rule = (order: number, port: string, address: string, description: string) => ({
  direction: "inbound",
  order,
  protocol: 6,
  port,
  address,
  description,
});
const groupBody = (extra: object[] = []) => ({
  name: "e2e-web",
  description: "tcp 8080 from anywhere, 8081 from the listed clients",
  rules: [rule(10, "8080", "0.0.0.0/0", "web"), rule(20, "8081", listId, "admin from listed clients"), ...extra],
  sites: [siteId],
});

async function statusOf(path: string): Promise<string> {
  return (await api.ok("GET", path)).status;
}

async function untilActive(path: string): Promise<void> {
  await eventually(`${path} active`, async () => (await statusOf(path)) === "active", 45_000).catch((err: Error) => {
    throw new Error(`${err.message}\nagent output:\n${agent?.text.slice(-4000)}`);
  });
}

async function startCore(): Promise<void> {
  core = await startServer({ ns: server, host: SERVER, port: 8787, data: dataDir, syncTimeout: "30s" });
}

function runAgent(): Proc {
  return startAgent(server, [
    "--endpoint",
    ENDPOINT,
    "--site-token",
    siteToken,
    "--state-dir",
    stateDir,
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--drift-check",
    "1s",
    "--backoff-max",
    "2s",
    "--nft-bin",
    nftWrapper,
  ]);
}

beforeAll(async () => {
  ensureBuilt();
  server = Netns.create(`sg-srv-${suffix}`);
  client = Netns.create(`sg-cli-${suffix}`);
  connect(server, [`${SERVER}/24`], client, [`${LISTED}/24`, `${UNLISTED}/24`], `sg${suffix}`);
  dataDir = tempDir("sg-e2e-data-");
  stateDir = tempDir("sg-e2e-agent-");
  nftWrapper = join(tempDir("sg-e2e-bin-"), "nft");
  writeFileSync(
    nftWrapper,
    `#!/bin/sh
# Rejects a file holding ${MARKER} as nft would reject a bad ruleset: nothing loaded, exit 1.
if [ "$1" = "-f" ] && [ "$2" != "-" ] && grep -q '${MARKER}' "$2"; then
  echo "$2:12:3-40: Error: Could not process rule: No space left on device (simulated)" >&2
  exit 1
fi
exec nft "$@"
`,
  );
  chmodSync(nftWrapper, 0o755);
  listener = new Proc(
    server.spawn(process.execPath, ["-e", LISTEN_SCRIPT, "8080", "8081", "8082"], { stdio: ["ignore", "pipe", "pipe"] }),
    "listener",
  );
  await listener.waitFor(/listening/);
  await startCore();
  const r = await startRelay(server, SERVER, 8787);
  relay = r.proc;
  api = new Api(ENDPOINT, userToken(), r.socketPath);
}, 180_000);

afterAll(async () => {
  for (const p of [agent, core, listener, relay]) await p?.kill("SIGKILL").catch(() => undefined);
  server?.delete();
  client?.delete();
});

test("before any group is attached, nothing is filtered", async () => {
  expect(reach(LISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "open", [targets[2]]: "open" });
});

test("a group and a prefix list reach active, and traffic follows the rules", async () => {
  const site = await api.ok("POST", "/vpc/sites", { name: "e2e-server", platform: "nftables" });
  siteId = site.id;
  siteToken = site.token;
  expect(siteToken).toMatch(/^sgs_/);
  listId = (await api.ok("POST", "/vpc/prefix-lists", { name: "listed-clients", prefixes: [{ cidr: `${LISTED}/32` }], sites: [siteId] }))
    .id;
  groupId = (await api.ok("POST", "/vpc/security-groups", groupBody())).id;

  agent = runAgent();
  await untilActive(`/vpc/security-groups/${groupId}`);
  await untilActive(`/vpc/prefix-lists/${listId}`);

  expect(reach(LISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "open", [targets[2]]: "timeout" });
  expect(reach(UNLISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "timeout", [targets[2]]: "timeout" });

  // The core listens on 8787 in the same namespace and the group does not open it: closed to
  // the client, while the agent reaches it at ${SERVER} (routed over lo by the kernel).
  expect(probe(client, LISTED, [`${SERVER}:8787`])).toEqual({ [`${SERVER}:8787`]: "timeout" });

  const siteView = await api.ok("GET", `/vpc/sites/${siteId}`);
  expect(siteView).toMatchObject({ online: true, drift: false });
  expect(siteView.applied_revision).toBe(siteView.desired_revision);
  // The agent reports its namespace's global unicast address (not lo, not the veth's fe80::).
  await eventually(
    "the agent reports its address",
    async () => JSON.stringify((await api.ok("GET", `/vpc/sites/${siteId}`)).reported_addresses) === JSON.stringify([`${SERVER}/32`]),
    15_000,
  );
  expect((await api.ok("GET", `/vpc/sites/${siteId}`)).addresses).toEqual([]);
});

test("changing the prefix list moves access to the new address", async () => {
  await api.ok("PUT", `/vpc/prefix-lists/${listId}`, { name: "listed-clients", prefixes: [{ cidr: `${UNLISTED}/32` }], sites: [siteId] });
  await untilActive(`/vpc/prefix-lists/${listId}`);
  expect(reach(LISTED)[targets[1]]).toBe("timeout");
  expect(reach(UNLISTED)[targets[1]]).toBe("open");
  await api.ok("PUT", `/vpc/prefix-lists/${listId}`, { name: "listed-clients", prefixes: [{ cidr: `${LISTED}/32` }], sites: [siteId] });
  await untilActive(`/vpc/prefix-lists/${listId}`);
  expect(reach(LISTED)[targets[1]]).toBe("open");
});

test("a ruleset flushed by hand is restored and reported as drift", async () => {
  server.exec("nft", ["flush", "ruleset"]);
  // No look at the table here: the change watch may have restored it already. The agent's drift line below says it saw it gone.
  await eventually("site reports drift", async () => (await api.ok("GET", `/vpc/sites/${siteId}`)).drift === true, 15_000);
  expect(server.exec("nft", ["list", "table", "inet", "secgroups"])).toMatch(/chain input/);
  expect(reach(UNLISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "timeout", [targets[2]]: "timeout" });
  expect(agent!.text).toMatch(/drift at revision \d+: the table is missing/);

  // A rule edited by hand (here: deleted) counts as drift too.
  const handle = /tcp dport 8080 accept comment .* # handle (\d+)/.exec(
    server.exec("nft", ["-a", "list", "chain", "inet", "secgroups", "input"]),
  )![1];
  server.exec("nft", ["delete", "rule", "inet", "secgroups", "input", "handle", handle]);
  await eventually("8080 restored", () => reach(UNLISTED)[targets[0]] === "open", 15_000);
});

test("a configuration the kernel rejects fails the group and leaves the old rules in force", async () => {
  await api.ok("PUT", `/vpc/security-groups/${groupId}`, groupBody([rule(30, "8082", `${MARKER}/32`, "rejected by the wrapper")]));
  const failed = await eventually("group failed", async () => {
    const g = await api.ok("GET", `/vpc/security-groups/${groupId}`);
    return g.status === "failed" ? g : undefined;
  });
  expect(failed.sync_errors).toEqual([{ site: siteId, message: expect.stringContaining("No space left on device (simulated)") }]);
  expect((await api.ok("GET", `/vpc/sites/${siteId}`)).last_error).toMatch(/simulated/);
  // The previous revision still decides.
  expect(reach(LISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "open", [targets[2]]: "timeout" });
  expect(reach(UNLISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "timeout", [targets[2]]: "timeout" });

  // Fixing the group recovers.
  await api.ok("PUT", `/vpc/security-groups/${groupId}`, groupBody([rule(30, "8082", `${UNLISTED}/32`, "8082 from the unlisted client")]));
  await untilActive(`/vpc/security-groups/${groupId}`);
  expect(reach(UNLISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "timeout", [targets[2]]: "open" });
});

test("control plane SIGKILLed while a change syncs, agent restarted meanwhile: the policy holds and everything converges", async () => {
  // The change drops the 8082 rule; the core dies right after accepting it.
  await api.ok("PUT", `/vpc/security-groups/${groupId}`, groupBody());
  await core!.kill("SIGKILL");

  // The agent restarts on a host whose ruleset was lost, with the control plane down:
  // it re-applies the revision it persisted (old or new: both close 8082 to LISTED).
  await agent!.kill("SIGTERM");
  server.exec("nft", ["flush", "ruleset"]);
  expect(reach(LISTED)[targets[2]]).toBe("open");
  agent = runAgent();
  await eventually("persisted policy in force", () => reach(LISTED)[targets[2]] === "timeout", 20_000);
  expect(reach(LISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "open", [targets[2]]: "timeout" });
  await eventually("agent retries", () => /retrying in \d+ ms \(the last policy stays in force\)/.test(agent!.text), 10_000);

  // Restarted on the same data dir, the core has the change and the agent converges to it.
  await startCore();
  await untilActive(`/vpc/security-groups/${groupId}`);
  const group = await api.ok("GET", `/vpc/security-groups/${groupId}`);
  expect(group.rules.map((r: { port: string }) => r.port)).toEqual(["8080", "8081"]);
  expect(reach(UNLISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "timeout", [targets[2]]: "timeout" });
  expect((await api.ok("GET", `/vpc/sites/${siteId}`)).online).toBe(true);
});

test("deleting the group unmanages the site: our table goes and everything is open", async () => {
  expect((await api.call("DELETE", `/vpc/security-groups/${groupId}`)).status).toBeLessThan(300);
  await eventually("table removed", () => server.tryExec("nft", ["list", "table", "inet", "secgroups"]).code !== 0, 15_000);
  expect(reach(UNLISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "open", [targets[2]]: "open" });
  const site = await eventually("site caught up", async () => {
    const s = await api.ok("GET", `/vpc/sites/${siteId}`);
    return s.applied_revision === s.desired_revision ? s : undefined;
  });
  expect(site.last_error ?? null).toBeNull();
});
