/**
 * RouterOS sites fetch their script (docs/routeros.md, "Bootstrap"). No router
 * is available in CI, so this checks what the router would get: the URL and its
 * authentication, the script text, and the confirmation line, which is
 * replayed here exactly as `/tool fetch` would send it. The router's side of
 * `/import` is the RouterOS reader (core/platforms/routeros/read.ts), a model
 * of both firewall tables checked against the oracle.
 */
import { checkEquivalence, evaluateLoaded, type Packet6 } from "../../core/analyze";
import { parseIPv6, PROTOCOL } from "../../core/model";
import { normalizePolicy } from "../../core/policy";
import { routeros } from "../../core/platforms";
import { startCore, type TestCore } from "../support/core";

let core: TestCore;
beforeAll(async () => {
  core = await startCore("pglite");
}, 60_000);
afterAll(async () => core?.close());

const rule = { direction: "inbound", order: 10, protocol: 6, port: "22", address: "198.51.100.0/24", description: "ssh from the office" };

/** The http-data of the confirmation line, unescaped as RouterOS reads the string. */
function confirmation(script: string): { revision: number; status: string; digest: string } {
  const line = script.split("\n").find((l) => l.includes('/agent/v1/report"'))!;
  const data = /http-data="((?:[^"\\]|\\.)*)"/.exec(line)![1].replace(/\\"/g, '"');
  return JSON.parse(data);
}

test("the router fetches its script with the site token, in a header or the query string", async () => {
  const site = await core.create("/vpc/sites", { name: "edge-1", platform: "routeros", mode: "router" });
  const group = await core.create("/vpc/security-groups", { name: "edge-ssh", rules: [rule], sites: [site.id] });

  const byHeader = await core.get("/agent/v1/routeros.rsc", { token: site.token });
  expect(byHeader.status).toBe(200);
  expect(byHeader.headers["content-type"]).toMatch(/^text\/plain/);
  expect(byHeader.body).toContain("/ip firewall filter add chain=");
  expect(byHeader.body).toContain("198.51.100.0/24");
  expect(byHeader.body).toContain("secgroups-control-plane");

  const byQuery = await core.get("/agent/v1/routeros.rsc", { token: null, query: { token: site.token } });
  expect(byQuery.body).toBe(byHeader.body);
  expect((await core.get("/agent/v1/routeros.rsc", { token: null })).status).toBe(401);
  expect((await core.get("/agent/v1/routeros.rsc", { token: "sgs_wrong" })).status).toBe(401);

  // The last line confirms exactly the served revision; replaying it makes the group active.
  const sent = confirmation(byHeader.body);
  const view = (await core.get(`/vpc/sites/${site.id}`)).json;
  expect(sent).toEqual({ revision: view.desired_revision, status: "applied", digest: expect.any(String) });
  expect((await core.get(`/vpc/security-groups/${group.id}`)).json.status).toBe("syncing");
  expect((await core.post("/agent/v1/report", sent, { token: site.token })).status).toBe(204);
  expect((await core.get(`/vpc/security-groups/${group.id}`)).json.status).toBe("active");

  // Unattached: the script removes everything secgroups owns, then confirms.
  expect((await core.delete(`/vpc/security-groups/${group.id}`)).status).toBeLessThan(300);
  const unmanaged = await core.get("/agent/v1/routeros.rsc", { token: site.token });
  expect(unmanaged.body).toContain('/ip firewall filter remove [find where comment~"^secgroups:"]');
  expect(unmanaged.body).not.toContain("/ip firewall filter add");
  expect(confirmation(unmanaged.body).revision).toBeGreaterThan(sent.revision);
});

test("only routeros sites are served a RouterOS script", async () => {
  const site = await core.create("/vpc/sites", { name: "linux-1", platform: "nftables" });
  const res = await core.get("/agent/v1/routeros.rsc", { token: site.token });
  expect(res.status).toBe(400);
  expect(res.json.code).toBe("wrong_platform");
});

test("a dual-stack site: the served script filters IPv6 in /ipv6 firewall, and reads back as the policy in both slots", async () => {
  const site = await core.create("/vpc/sites", { name: "edge-6", platform: "routeros", mode: "router" });
  const rules = [
    rule,
    { direction: "inbound", order: 20, protocol: 6, port: "22", address: "2001:db8:100::/48", description: "ssh from the office (IPv6)" },
    { direction: "inbound", order: 30, protocol: 58, port: "", icmp_type: 128, address: "::/0", description: "ping6 from anywhere" },
    { direction: "outbound", order: 40, protocol: 17, port: "53", address: "2001:db8::53/128", description: "dns (IPv6)" },
  ];
  const group = await core.create("/vpc/security-groups", { name: "edge-dual", rules, sites: [site.id] });
  const served = await core.get("/agent/v1/routeros.rsc", { token: site.token });
  expect(served.status).toBe(200);
  const lines = served.body.split("\n");
  expect(lines.some((l) => l.startsWith("/ipv6 firewall filter add ") && l.includes("src-address=2001:db8:100::/48 dst-port=22"))).toBe(
    true,
  );
  expect(lines.some((l) => l.startsWith("/ipv6 firewall filter add ") && l.includes("protocol=icmpv6 icmp-options=128:0-255"))).toBe(true);
  expect(lines.some((l) => l.startsWith("/ip firewall filter add ") && l.includes("2001:db8"))).toBe(false);

  // What the router holds after importing it, fresh (slot a) or over a live slot a (slot b).
  const view = (await core.get(`/vpc/security-groups/${group.id}`)).json;
  const policy = normalizePolicy({ security_groups: [view] }, { mode: "router" });
  for (const slot of ["a", "b"] as const) {
    const loaded = routeros.read({ script: served.body, slot });
    const report = checkEquivalence(policy, loaded, { random: 2000 });
    expect(report.disagreements.slice(0, 2)).toEqual([]);
    expect(report.checked).toBeGreaterThan(2000);
    const v6 = (text: string) => parseIPv6(text)!;
    const ssh: Packet6 = {
      family: 6,
      hook: "input",
      protocol: PROTOCOL.TCP,
      src: v6("2001:db8:100::7"),
      dst: v6("2001:db8::1"),
      srcPort: 40000,
      dstPort: 22,
    };
    expect(evaluateLoaded(loaded, ssh).verdict).toBe("accept");
    expect(evaluateLoaded(loaded, { ...ssh, src: v6("2001:db8:101::7") }).verdict).toBe("drop");
    const solicitation: Packet6 = {
      family: 6,
      hook: "forward",
      protocol: PROTOCOL.ICMPV6,
      src: v6("fe80::1"),
      dst: v6("ff02::1:ff00:1"),
      icmpType: 135,
      icmpCode: 0,
    };
    expect(evaluateLoaded(loaded, solicitation)).toEqual({ verdict: "accept", comment: `secgroups:${slot}:icmpv6` });
  }

  // The confirmation is the same for a dual-stack script: replaying it makes the group active.
  expect((await core.post("/agent/v1/report", confirmation(served.body), { token: site.token })).status).toBe(204);
  expect((await core.get(`/vpc/security-groups/${group.id}`)).json.status).toBe("active");

  // Unattached: both tables are cleared.
  expect((await core.delete(`/vpc/security-groups/${group.id}`)).status).toBeLessThan(300);
  const unmanaged = (await core.get("/agent/v1/routeros.rsc", { token: site.token })).body;
  expect(unmanaged).toContain('/ipv6 firewall filter remove [find where comment~"^secgroups:"]');
  const cleared = routeros.read({ script: unmanaged });
  expect([...cleared.chains.values()].every((c) => c.rules.length === 0)).toBe(true);
});
