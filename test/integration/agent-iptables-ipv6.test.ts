/**
 * IPv6 on the iptables platform, with real IPv6 traffic between namespaces: a
 * dual-stack site running the agent (iptables-nft, ip6tables, ipset inet6)
 * keeps IPv6 working for exactly what its policy allows, TCP and UDP,
 * neighbour discovery included, restores a drifted ip6tables rule and
 * unmanages both families cleanly. The control plane is reached over IPv6, so
 * its exception lives in the IPv6 control-plane set. Also: a kernel that
 * refuses the IPv6 half leaves the IPv4 half as it was.
 */
import { compilePolicy, iptables } from "../../core/platforms";
import { IptablesEnforcer } from "../../core/platforms/iptables";
import { runCommand, type Runner } from "../../core/platforms/runner";
import { Netns, connect, uniqueSuffix } from "../support/netns";
import { LISTEN_SCRIPT, probe } from "../support/probe";
import { Api, Proc, ensureBuilt, eventually, startAgent, startRelay, startServer, tempDir, userToken } from "../support/secgroups";

jest.setTimeout(90_000);

const SERVER = "10.78.0.1";
const SERVER6 = "fd78::1";
const LISTED = "10.78.0.2";
const LISTED6 = "fd78::2";
const UNLISTED6 = "fd78::3";
const UDP_PORT = 5353;
const tcp6 = [8080, 8081, 8082].map((p) => `[${SERVER6}]:${p}`);
const tcp4 = [8080, 8081, 8082].map((p) => `${SERVER}:${p}`);
const suffix = uniqueSuffix();
const procs: Proc[] = [];
let server: Netns;
let client: Netns;
let api: Api;

/** Answers every UDP datagram (IPv4 and IPv6) with "pong". */
const UDP_ECHO = `
const s = require("dgram").createSocket({ type: "udp6" });
s.on("message", (m, r) => s.send("pong", r.port, r.address));
s.bind(Number(process.argv[1]), "::", () => console.log("listening"));
`;
/** Sends one datagram from a source address and says whether the answer came back. */
const UDP_ASK = `
const [src, host, port] = process.argv.slice(1);
const s = require("dgram").createSocket({ type: host.includes(":") ? "udp6" : "udp4" });
const done = (r) => { console.log(r); s.close(); };
const timer = setTimeout(() => done("timeout"), 600);
s.on("message", () => { clearTimeout(timer); done("answered"); });
s.bind(0, src, () => s.send("ping", Number(port), host));
`;
const udp = (source: string, host = SERVER6) => client.exec("node", ["-e", UDP_ASK, source, host, String(UDP_PORT)]).trim();

beforeAll(async () => {
  ensureBuilt();
  server = Netns.create(`sg-ip6-${suffix}`);
  client = Netns.create(`sg-ip6c-${suffix}`);
  connect(server, [`${SERVER}/24`, `${SERVER6}/64`], client, [`${LISTED}/24`, `${LISTED6}/64`, `${UNLISTED6}/64`], `sg6${suffix}`);
  for (const [name, argv] of [
    ["tcp listener", ["-e", LISTEN_SCRIPT, "8080", "8081", "8082"]],
    ["udp echo", ["-e", UDP_ECHO, String(UDP_PORT)]],
  ] as const) {
    const p = new Proc(server.spawn(process.execPath, [...argv], { stdio: ["ignore", "pipe", "pipe"] }), name);
    procs.push(p);
    await p.waitFor(/listening/);
  }
  procs.push(await startServer({ ns: server, host: "::", port: 8787, data: tempDir("sg-ip6-data-"), syncTimeout: "30s" }));
  const relay = await startRelay(server, SERVER6, 8787);
  procs.push(relay.proc);
  api = new Api(`http://[${SERVER6}]:8787`, userToken(), relay.socketPath);
}, 180_000);

afterAll(async () => {
  for (const p of procs) await p.kill("SIGKILL").catch(() => undefined);
  server?.delete();
  client?.delete();
});

test("a dual-stack iptables site keeps IPv6 working for exactly what its policy allows", async () => {
  // Without the agent everything answers: what is refused below is refused by the policy.
  expect(probe(client, UNLISTED6, tcp6)).toEqual({ [tcp6[0]]: "open", [tcp6[1]]: "open", [tcp6[2]]: "open" });
  expect(udp(UNLISTED6)).toBe("answered");

  const site = await api.ok("POST", "/vpc/sites", { name: "ipt6-server", platform: "iptables" });
  const list = await api.ok("POST", "/vpc/prefix-lists", {
    name: "listed",
    prefixes: [{ cidr: `${LISTED}/32` }, { cidr: `${LISTED6}/128` }],
  });
  const group = await api.ok("POST", "/vpc/security-groups", {
    name: "ipt6-web",
    rules: [
      { direction: "inbound", order: 10, protocol: 6, port: "8080", address: "::/0", description: "web, all IPv6" },
      { direction: "inbound", order: 20, protocol: 6, port: "8081", address: list.id, description: "admin, both families" },
      { direction: "inbound", order: 30, protocol: 17, port: String(UDP_PORT), address: `${LISTED6}/128`, description: "udp" },
    ],
    sites: [site.id],
  });
  const agent = startAgent(server, [
    "--endpoint",
    `http://[${SERVER6}]:8787`,
    "--site-token",
    site.token,
    "--state-dir",
    tempDir("sg-ip6-agent-"),
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--drift-check",
    "1s",
    "--backoff-max",
    "2s",
  ]);
  procs.push(agent);
  await eventually("group active", async () => (await api.ok("GET", `/vpc/security-groups/${group.id}`)).status === "active", 45_000).catch(
    (err) => {
      throw new Error(`${err.message}\n${agent.text}`);
    },
  );

  const ip6 = server.exec("ip6tables-save", ["-t", "filter"]);
  expect(ip6).toMatch(/^-A INPUT -j secgroups-input$/m);
  // The control plane was resolved to its IPv6 address: its exception is in the IPv6 set.
  expect(server.exec("ipset", ["list", "secgroups-cp6"])).toMatch(new RegExp(`^${SERVER6},tcp:8787$`, "m"));

  expect(probe(client, LISTED6, tcp6)).toEqual({ [tcp6[0]]: "open", [tcp6[1]]: "open", [tcp6[2]]: "timeout" });
  expect(probe(client, UNLISTED6, tcp6)).toEqual({ [tcp6[0]]: "open", [tcp6[1]]: "timeout", [tcp6[2]]: "timeout" });
  expect(udp(LISTED6)).toBe("answered");
  expect(udp(UNLISTED6)).toBe("timeout");
  // IPv4: `::/0` is not IPv4; the prefix list holds an IPv4 member too.
  expect(probe(client, LISTED, tcp4)).toEqual({ [tcp4[0]]: "timeout", [tcp4[1]]: "open", [tcp4[2]]: "timeout" });

  // Neighbour discovery through our chains: forget the neighbours on both sides, then talk again.
  for (const ns of [server, client]) ns.exec("ip", ["-6", "neigh", "flush", "all"]);
  expect(client.exec("ip", ["-6", "neigh", "show", SERVER6])).toBe("");
  expect(probe(client, LISTED6, [tcp6[1]], 2000)).toEqual({ [tcp6[1]]: "open" });
  expect(client.exec("ip", ["-6", "neigh", "show", SERVER6])).toMatch(/lladdr/);
  expect(server.exec("ip", ["-6", "neigh", "show", LISTED6])).toMatch(/lladdr/);
  expect(udp(LISTED6)).toBe("answered");

  // A hand-made ip6tables rule in our chain: drift, reported and restored.
  expect((await api.ok("GET", `/vpc/sites/${site.id}`)).drift).toBe(false);
  server.exec("ip6tables", ["-I", "secgroups-input", "1", "-p", "tcp", "--dport", "8082", "-j", "ACCEPT"]);
  // (The agent checks every second: whether a probe would still find 8082 open is a race, so none is asserted.)
  await eventually("drift reported", async () => (await api.ok("GET", `/vpc/sites/${site.id}`)).drift === true, 15_000);
  await eventually("8082 closed again", () => probe(client, UNLISTED6, [tcp6[2]])[tcp6[2]] === "timeout", 10_000);
  expect(server.exec("ip6tables-save", ["-t", "filter"])).not.toMatch(/--dport 8082/);

  // Unmanaged: our chains and sets leave both families.
  await api.ok("DELETE", `/vpc/security-groups/${group.id}`);
  await eventually("chains removed", () => !/secgroups-input/.test(server.exec("ip6tables-save", ["-t", "filter"])), 15_000);
  expect(server.exec("iptables-save", ["-t", "filter"])).not.toMatch(/secgroups-input/);
  // The sets go last (none can go while a rule refers to it).
  await eventually("sets removed", () => !/secgroups-cp|^s6-|^sg-/m.test(server.exec("ipset", ["list", "-n"])), 15_000);
  expect(probe(client, UNLISTED6, tcp6)).toEqual({ [tcp6[0]]: "open", [tcp6[1]]: "open", [tcp6[2]]: "open" });
  expect(udp(UNLISTED6)).toBe("answered");
});

test("a kernel that refuses the IPv6 half leaves both tables as they were", async () => {
  const ns = Netns.create(`sg-ip6f-${suffix}`);
  try {
    const run: Runner = (cmd, args, stdin) => runCommand("ip", ["netns", "exec", ns.name, cmd, ...args], stdin);
    const enforcer = new IptablesEnforcer({ run });
    const doc = (port: string) => ({
      security_groups: [
        {
          id: "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw",
          name: "web",
          rules: [
            { direction: "inbound" as const, order: 10, protocol: 6, port, address: "10.0.0.0/8", description: "v4" },
            { direction: "inbound" as const, order: 20, protocol: 6, port, address: "fd00::/8", description: "v6" },
          ],
        },
      ],
    });
    const cp = [{ address: "fd78::1", port: 8787 }];
    const before = compilePolicy(doc("443"), "iptables");
    await enforcer.apply(before, cp);
    // The next revision's IPv6 half uses a match this kernel does not have.
    const refused = compilePolicy(doc("8443"), "iptables").replace(
      /^(#== ip6tables\n[^]*?-A secgroups-input) -j DROP$/m,
      "$1 -m nosuchmatch --nosuch -j DROP",
    );
    expect(refused).toMatch(/nosuchmatch/);
    await expect(enforcer.apply(refused, cp)).rejects.toThrow(/ip6tables-restore --test --noflush failed/);
    expect(await enforcer.check(before, cp)).toEqual([]);
    expect(iptables.read({ iptablesSave: ns.exec("iptables-save", []), ipsetSave: "" }).chains.get("secgroups-input")!.rules.length).toBe(
      5,
    );
    await enforcer.remove();
    expect(await enforcer.present()).toBe(false);
  } finally {
    ns.delete();
  }
});
