/**
 * The iptables platform end to end: iptables-restore --noflush into our own
 * chains plus ipset (temporary set swapped in), read back with iptables-save
 * and ipset save; traffic from a client namespace decides. The agent runs with
 * secgroups-nft-elements, as its package does: its cheap check then takes our
 * chains as verified while the ruleset's generation has not moved, and a hand
 * edit of them (which moves it) must still be found and restored.
 */
import { Netns, connect, uniqueSuffix } from "../support/netns";
import { LISTEN_SCRIPT, probe } from "../support/probe";
import { nftElementsBin } from "../support/nft-elements";
import { Api, Proc, ensureBuilt, eventually, startAgent, startRelay, startServer, tempDir, userToken } from "../support/secgroups";

jest.setTimeout(90_000);

const SERVER = "10.76.0.1";
const LISTED = "10.76.0.2";
const UNLISTED = "10.76.0.3";
const targets = [8080, 8081, 8082].map((p) => `${SERVER}:${p}`);
const suffix = uniqueSuffix();
const procs: Proc[] = [];
let server: Netns;
let client: Netns;
let api: Api;
let siteId: string;
let groupId: string;

const reach = (source: string) => probe(client, source, targets);

beforeAll(async () => {
  ensureBuilt();
  server = Netns.create(`sg-ipt-${suffix}`);
  client = Netns.create(`sg-iptc-${suffix}`);
  connect(server, [`${SERVER}/24`], client, [`${LISTED}/24`, `${UNLISTED}/24`], `sgi${suffix}`);
  const listener = new Proc(
    server.spawn(process.execPath, ["-e", LISTEN_SCRIPT, "8080", "8081", "8082"], { stdio: ["ignore", "pipe", "pipe"] }),
    "listener",
  );
  procs.push(listener);
  await listener.waitFor(/listening/);
  procs.push(await startServer({ ns: server, host: SERVER, port: 8787, data: tempDir("sg-ipt-data-"), syncTimeout: "30s" }));
  const relay = await startRelay(server, SERVER, 8787);
  procs.push(relay.proc);
  api = new Api(`http://${SERVER}:8787`, userToken(), relay.socketPath);
}, 180_000);

afterAll(async () => {
  for (const p of procs) await p.kill("SIGKILL").catch(() => undefined);
  server?.delete();
  client?.delete();
});

test("an iptables site enforces the group, restores drift and unmanages cleanly", async () => {
  const site = await api.ok("POST", "/vpc/sites", { name: "ipt-server", platform: "iptables" });
  siteId = site.id;
  const list = await api.ok("POST", "/vpc/prefix-lists", { name: "listed", prefixes: [{ cidr: `${LISTED}/32` }] });
  const group = await api.ok("POST", "/vpc/security-groups", {
    name: "ipt-web",
    rules: [
      { direction: "inbound", order: 10, protocol: 6, port: "8080", address: "0.0.0.0/0", description: "web" },
      { direction: "inbound", order: 20, protocol: 6, port: "8081", address: list.id, description: "admin" },
    ],
    sites: [siteId],
  });
  groupId = group.id;
  const agent = startAgent(server, [
    "--endpoint",
    `http://${SERVER}:8787`,
    "--site-token",
    site.token,
    "--state-dir",
    tempDir("sg-ipt-agent-"),
    "--poll-wait",
    "5",
    "--heartbeat",
    "1s",
    "--drift-check",
    "1s",
    "--backoff-max",
    "2s",
    "--nft-elements-bin",
    nftElementsBin(),
  ]);
  procs.push(agent);
  await eventually("group active", async () => (await api.ok("GET", `/vpc/security-groups/${groupId}`)).status === "active", 45_000).catch(
    (err) => {
      throw new Error(`${err.message}\n${agent.text}`);
    },
  );
  expect(reach(LISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "open", [targets[2]]: "timeout" });
  expect(reach(UNLISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "timeout", [targets[2]]: "timeout" });
  expect(server.exec("ipset", ["list", "-n"])).toMatch(/secgroups-cp/);

  // Set contents changed by hand: drift, restored.
  server.exec("ipset", ["flush", `sg-${list.id.replace(/^prfx_lst_/, "")}`]);
  await eventually("drift reported", async () => (await api.ok("GET", `/vpc/sites/${siteId}`)).drift === true, 15_000);
  await eventually("8081 from the listed client again", () => reach(LISTED)[targets[1]] === "open", 10_000);

  // Our chain flushed by hand (8081 then open to all): found by the cheap check, restored.
  server.exec("iptables", ["-F", "secgroups-input"]);
  await eventually("8081 closed to the unlisted client again", () => reach(UNLISTED)[targets[1]] === "timeout", 15_000);
  expect(server.exec("iptables-save", ["-t", "filter"])).toMatch(/^-A secgroups-input .*--dport 8081/m);

  await api.ok("DELETE", `/vpc/security-groups/${groupId}`);
  await eventually("chains removed", () => !/secgroups-input/.test(server.exec("iptables-save", ["-t", "filter"])), 15_000);
  expect(reach(UNLISTED)).toEqual({ [targets[0]]: "open", [targets[1]]: "open", [targets[2]]: "open" });
});
