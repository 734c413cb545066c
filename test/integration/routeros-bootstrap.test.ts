/**
 * RouterOS sites fetch their script (docs/routeros.md, "Bootstrap"). No router
 * is available in CI, so this checks what the router would get: the URL and its
 * authentication, the script text, and the confirmation line, which is
 * replayed here exactly as `/tool fetch` would send it.
 */
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
