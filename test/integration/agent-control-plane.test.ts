/**
 * No policy can cut a site off from its control plane. The agent runs in its
 * own namespace, the core in another; the group allows no outbound traffic
 * at all, so the agent's connections to the core pass only through the
 * control-plane set the agent fills in the same `nft -f` load, while a
 * connection to another port of the same host stays blocked.
 *
 * (Agent and core in one namespace, the agent using the namespace's address,
 * is covered by agent-e2e.test.ts: there the kernel routes the connection
 * over `lo`, which every ruleset accepts.)
 */
import { Netns, connect, uniqueSuffix } from "../support/netns";
import { LISTEN_SCRIPT, probe } from "../support/probe";
import { Api, Proc, ensureBuilt, eventually, startAgent, startRelay, startServer, tempDir, userToken } from "../support/secgroups";

jest.setTimeout(150_000);

const suffix = uniqueSuffix();
const procs: Proc[] = [];
const namespaces: Netns[] = [];
const inbound8080 = { direction: "inbound", order: 10, protocol: 6, port: "8080", address: "0.0.0.0/0", description: "web" };

async function setUp(ns: Netns, host: string): Promise<Api> {
  const core = await startServer({ ns, host, port: 8787, data: tempDir("sg-cp-data-"), syncTimeout: "30s" });
  const relay = await startRelay(ns, host, 8787);
  procs.push(core, relay.proc);
  return new Api(`http://${host}:8787`, userToken(), relay.socketPath);
}

function agentIn(ns: Netns, endpoint: string, token: string): Proc {
  const p = startAgent(ns, [
    "--endpoint",
    endpoint,
    "--site-token",
    token,
    "--state-dir",
    tempDir("sg-cp-agent-"),
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--backoff-max",
    "2s",
  ]);
  procs.push(p);
  return p;
}

async function untilActive(api: Api, path: string): Promise<void> {
  await eventually(`${path} active`, async () => (await api.ok("GET", path)).status === "active", 45_000);
}

beforeAll(() => ensureBuilt());

afterAll(async () => {
  for (const p of procs) await p.kill("SIGKILL").catch(() => undefined);
  for (const ns of namespaces) ns.delete();
});

test("agent in its own namespace with no outbound rule reaches the core only through the exception", async () => {
  const cp = Netns.create(`sg-cp-${suffix}`);
  const host = Netns.create(`sg-host-${suffix}`);
  namespaces.push(cp, host);
  connect(cp, ["10.78.0.1/24"], host, ["10.78.0.2/24"], `sgc${suffix}`);
  const api = await setUp(cp, "10.78.0.1");
  const other = new Proc(cp.spawn(process.execPath, ["-e", LISTEN_SCRIPT, "8788"], { stdio: ["ignore", "pipe", "pipe"] }), "listener");
  procs.push(other);
  await other.waitFor(/listening/);
  expect(probe(host, undefined, ["10.78.0.1:8788", "10.78.0.1:8787"])).toEqual({ "10.78.0.1:8788": "open", "10.78.0.1:8787": "open" });

  const site = await api.ok("POST", "/vpc/sites", { name: "host", platform: "nftables" });
  const group = await api.ok("POST", "/vpc/security-groups", { name: "no-egress", rules: [inbound8080], sites: [site.id] });
  const agent = agentIn(host, "http://10.78.0.1:8787", site.token);
  await untilActive(api, `/vpc/security-groups/${group.id}`);

  // Outbound is closed except for the control plane's address and port.
  expect(probe(host, undefined, ["10.78.0.1:8788"])).toEqual({ "10.78.0.1:8788": "timeout" });
  expect(host.exec("nft", ["list", "set", "inet", "secgroups", "control_plane"])).toMatch(/elements = \{ 10\.78\.0\.1 \. 8787 \}/);

  // New connections keep working after the policy is in force: a change syncs, heartbeats arrive.
  const seen = (await api.ok("GET", `/vpc/sites/${site.id}`)).last_seen;
  await api.ok("PUT", `/vpc/security-groups/${group.id}`, {
    name: "no-egress",
    rules: [{ ...inbound8080, port: "8081" }],
    sites: [site.id],
  });
  await untilActive(api, `/vpc/security-groups/${group.id}`);
  await eventually("heartbeat after the change", async () => (await api.ok("GET", `/vpc/sites/${site.id}`)).last_seen > seen, 10_000);
  expect(agent.text).not.toMatch(/retrying/);
});
