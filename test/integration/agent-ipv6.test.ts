/**
 * IPv6 end to end on real nftables: a dual-stack site runs the real agent
 * against a real core, and every expectation is real traffic between network
 * namespaces (ULA addresses, added nodad):
 *
 *   peer  10.79.0.2, fd00:10::2 (allowed), fd00:10::3 (not)  ── veth ──  site 10.79.0.1, fd00:10::1
 *   cp    fd00:99::1 (the core, reached over IPv6 only)        ── veth ──  site fd00:99::2
 *
 * The site keeps IPv6 working for exactly what its policy allows (TCP and UDP
 * from the allowed IPv6 peer, nothing else), neighbour discovery passes the
 * firewall (after the neighbour caches are flushed), IPv6 drift is repaired,
 * and the IPv6 control-plane endpoint stays reachable while the policy allows
 * nothing at all.
 */
import { Netns, connect, uniqueSuffix } from "../support/netns";
import { LISTEN_SCRIPT, probe } from "../support/probe";
import { Api, Proc, ensureBuilt, eventually, startAgent, startRelay, startServer, tempDir, userToken } from "../support/secgroups";
import { UDP_ECHO_SCRIPT, udpProbe } from "../support/udp";

jest.setTimeout(90_000);

const SITE4 = "10.79.0.1";
const SITE6 = "fd00:10::1";
const PEER4 = "10.79.0.2";
const ALLOWED6 = "fd00:10::2";
const OTHER6 = "fd00:10::3";
const CORE6 = "fd00:99::1";
const SITE_CP6 = "fd00:99::2";
const ENDPOINT = `http://[${CORE6}]:8787`;
const tcp6 = [8080, 8081, 8082].map((p) => `[${SITE6}]:${p}`);
const tcp4 = [8080, 8081].map((p) => `${SITE4}:${p}`);
const udp6 = [5353, 5354].map((p) => `[${SITE6}]:${p}`);

const suffix = uniqueSuffix();
const peerLink = `s6p${suffix}`;
let site: Netns;
let peer: Netns;
let cp: Netns;
const procs: Proc[] = [];
let agent: Proc | undefined;
let api: Api;
let siteId: string;
let listId: string;
let groupId: string;

const inbound = (order: number, protocol: number, port: string, address: string) => ({
  direction: "inbound",
  order,
  protocol,
  port,
  address,
  description: `${protocol}/${port} from ${address}`,
});
const groupBody = (rules: object[]) => ({ name: "v6-web", description: "dual-stack site", rules, sites: [siteId] });
const allowRules = () => [
  inbound(10, 6, "8080", `${ALLOWED6}/128`),
  inbound(20, 6, "8081", listId),
  inbound(30, 17, "5353", `${ALLOWED6}/128`),
];

async function untilActive(path: string): Promise<void> {
  await eventually(`${path} active`, async () => (await api.ok("GET", path)).status === "active", 45_000).catch((err: Error) => {
    throw new Error(`${err.message}\nagent output:\n${agent?.text.slice(-4000)}`);
  });
}

function spawnIn(ns: Netns, label: string, script: string, args: string[]): Proc {
  const p = new Proc(ns.spawn(process.execPath, ["-e", script, ...args], { stdio: ["ignore", "pipe", "pipe"] }), label);
  procs.push(p);
  return p;
}

beforeAll(async () => {
  ensureBuilt();
  site = Netns.create(`sg6-site-${suffix}`);
  peer = Netns.create(`sg6-peer-${suffix}`);
  cp = Netns.create(`sg6-cp-${suffix}`);
  connect(site, [`${SITE4}/24`, `${SITE6}/64`], peer, [`${PEER4}/24`, `${ALLOWED6}/64`, `${OTHER6}/64`], peerLink);
  connect(site, [`${SITE_CP6}/64`], cp, [`${CORE6}/64`], `s6c${suffix}`);
  const tcp = spawnIn(site, "tcp listener", LISTEN_SCRIPT, ["8080", "8081", "8082"]);
  const udp = spawnIn(site, "udp echo", UDP_ECHO_SCRIPT, ["5353", "5354"]);
  // Something else listening next to the core: the policy must not open it.
  const beside = spawnIn(cp, "cp listener", LISTEN_SCRIPT, ["8788"]);
  await Promise.all([tcp.waitFor(/listening/), udp.waitFor(/echoing/), beside.waitFor(/listening/)]);
  procs.push(await startServer({ ns: cp, host: CORE6, port: 8787, data: tempDir("sg6-data-"), syncTimeout: "30s" }));
  const relay = await startRelay(cp, CORE6, 8787);
  procs.push(relay.proc);
  api = new Api(ENDPOINT, userToken(), relay.socketPath);
}, 180_000);

afterAll(async () => {
  for (const p of [agent, ...procs]) await p?.kill("SIGKILL").catch(() => undefined);
  for (const ns of [site, peer, cp]) ns?.delete();
});

test("before any group is attached, IPv6 and IPv4 are unfiltered", () => {
  expect(probe(peer, OTHER6, tcp6)).toEqual(Object.fromEntries(tcp6.map((t) => [t, "open"])));
  expect(udpProbe(peer, OTHER6, udp6)).toEqual({ [udp6[0]]: "reply", [udp6[1]]: "reply" });
});

test("the agent applies a dual-stack policy: IPv6 TCP and UDP pass for exactly what it allows", async () => {
  const created = await api.ok("POST", "/vpc/sites", { name: "v6-site", platform: "nftables" });
  siteId = created.id;
  listId = (
    await api.ok("POST", "/vpc/prefix-lists", {
      name: "peers",
      prefixes: [{ cidr: `${ALLOWED6}/128` }, { cidr: `${PEER4}/32` }],
      sites: [siteId],
    })
  ).id;
  groupId = (await api.ok("POST", "/vpc/security-groups", groupBody(allowRules()))).id;
  agent = startAgent(site, [
    "--endpoint",
    ENDPOINT,
    "--site-token",
    created.token,
    "--state-dir",
    tempDir("sg6-agent-"),
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--drift-check",
    "1s",
    "--backoff-max",
    "2s",
  ]);
  await untilActive(`/vpc/security-groups/${groupId}`);
  await untilActive(`/vpc/prefix-lists/${listId}`);

  // 8080: an IPv6 CIDR rule; 8081: the prefix list (both families); 8082: no rule.
  expect(probe(peer, ALLOWED6, tcp6)).toEqual({ [tcp6[0]]: "open", [tcp6[1]]: "open", [tcp6[2]]: "timeout" });
  expect(probe(peer, OTHER6, tcp6)).toEqual({ [tcp6[0]]: "timeout", [tcp6[1]]: "timeout", [tcp6[2]]: "timeout" });
  // The IPv6 rule opens nothing for IPv4; the list's IPv4 member gets 8081.
  expect(probe(peer, PEER4, tcp4)).toEqual({ [tcp4[0]]: "timeout", [tcp4[1]]: "open" });
  expect(udpProbe(peer, ALLOWED6, udp6)).toEqual({ [udp6[0]]: "reply", [udp6[1]]: "timeout" });
  expect(udpProbe(peer, OTHER6, udp6)).toEqual({ [udp6[0]]: "timeout", [udp6[1]]: "timeout" });
  expect(await api.ok("GET", `/vpc/sites/${siteId}`)).toMatchObject({ online: true, drift: false });
});

test("neighbour discovery passes the firewall: with both neighbour caches flushed, the allowed peer still connects", () => {
  for (const [ns, dev] of [
    [site, `${peerLink}a`],
    [peer, `${peerLink}b`],
  ] as const) {
    ns.exec("ip", ["-6", "neigh", "flush", "dev", dev]);
    expect(ns.exec("ip", ["-6", "neigh", "show", "dev", dev]).trim()).not.toMatch(/lladdr/);
  }
  expect(probe(peer, ALLOWED6, [tcp6[0]], 3000)).toEqual({ [tcp6[0]]: "open" });
  // Both sides resolved each other again, through the site's input and output chains.
  expect(site.exec("ip", ["-6", "neigh", "show", ALLOWED6, "dev", `${peerLink}a`])).toMatch(/lladdr/);
  expect(peer.exec("ip", ["-6", "neigh", "show", SITE6, "dev", `${peerLink}b`])).toMatch(/lladdr/);
});

test("an IPv6 set element removed by hand is drift: the agent restores it", async () => {
  const listSet = () => site.exec("nft", ["list", "set", "inet", "secgroups", `${listId}_6`]);
  expect(listSet()).toContain(ALLOWED6);
  site.exec("nft", ["delete", "element", "inet", "secgroups", `${listId}_6`, `{ ${ALLOWED6} }`]);
  // Not checked gone here: the agent's change watch may restore it within milliseconds. Its drift
  // line below says it saw the set without the element.
  await eventually("the element is back", () => listSet().includes(ALLOWED6), 15_000);
  expect(probe(peer, ALLOWED6, [tcp6[1]])).toEqual({ [tcp6[1]]: "open" });
  // The log line may land just after the repair (the agent's logger writes asynchronously).
  await eventually("drift reported", () => /drift at revision \d+: set \S+_6 holds/.test(agent!.text), 5_000);
});

test("with a policy that allows nothing, the IPv6 control plane stays reachable and changes still sync", async () => {
  await api.ok("PUT", `/vpc/security-groups/${groupId}`, groupBody([]));
  await untilActive(`/vpc/security-groups/${groupId}`);
  expect(probe(peer, ALLOWED6, tcp6)).toEqual({ [tcp6[0]]: "timeout", [tcp6[1]]: "timeout", [tcp6[2]]: "timeout" });
  expect(udpProbe(peer, ALLOWED6, udp6)).toEqual({ [udp6[0]]: "timeout", [udp6[1]]: "timeout" });
  // From the site: the core's endpoint is open (the control_plane_6 exception), the port beside it is not.
  const cpTargets = [`[${CORE6}]:8787`, `[${CORE6}]:8788`];
  expect(probe(site, SITE_CP6, cpTargets)).toEqual({ [cpTargets[0]]: "open", [cpTargets[1]]: "timeout" });
  expect(site.exec("nft", ["list", "set", "inet", "secgroups", "control_plane_6"])).toContain(`${CORE6} . 8787`);

  // The agent still long-polls the core over IPv6: the next change arrives and applies.
  await api.ok("PUT", `/vpc/security-groups/${groupId}`, groupBody(allowRules()));
  await untilActive(`/vpc/security-groups/${groupId}`);
  expect(probe(peer, ALLOWED6, tcp6)).toEqual({ [tcp6[0]]: "open", [tcp6[1]]: "open", [tcp6[2]]: "timeout" });
  expect(await api.ok("GET", `/vpc/sites/${siteId}`)).toMatchObject({ online: true });
});

test("deleting the group unmanages the site: IPv6 is unfiltered again", async () => {
  expect((await api.call("DELETE", `/vpc/security-groups/${groupId}`)).status).toBeLessThan(300);
  await eventually("table removed", () => site.tryExec("nft", ["list", "table", "inet", "secgroups"]).code !== 0, 15_000);
  expect(probe(peer, OTHER6, tcp6)).toEqual(Object.fromEntries(tcp6.map((t) => [t, "open"])));
});
