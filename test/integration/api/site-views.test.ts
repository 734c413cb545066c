/* eslint-disable @typescript-eslint/no-explicit-any -- responses are untyped JSON */
/**
 * The read-only site views the console is built on: the effective policy of a site (groups
 * merged in evaluation order, compiled per platform by the same compiler the deployer uses),
 * its revision history, the semantic diff of two revisions (core/review's), organization
 * scoping, and the event stream (Authorization header, a change per agent report).
 */
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { compilePolicy } from "../../../core/platforms";
import { agentHeartbeat, rule, useCore } from "../../support/core";

jest.setTimeout(120_000);

const t = useCore("pglite");

async function setUp() {
  const site = await t.core.createSite("viewed-site");
  const list = await t.core.createPrefixList({ name: "office", prefixes: [{ cidr: "192.0.2.0/24", description: "office" }], sites: [] });
  // Two groups whose rules interleave: evaluation order is order, then group id.
  const first = await t.core.create("/vpc/security-groups", {
    name: "group one",
    rules: [rule(1, { port: "80", address: "0.0.0.0/0" }), rule(3, { port: "22", address: list.id })],
    sites: [site.id],
  });
  const second = await t.core.create("/vpc/security-groups", {
    name: "group two",
    rules: [rule(2, { port: "5432", address: "10.0.0.0/8" }), rule(3, { port: "8080", address: "10.0.0.0/8" })],
    sites: [site.id],
  });
  return { site, list, first, second };
}

describe("site views", () => {
  let fixture: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    fixture = await setUp();
  });

  test("the effective policy merges every attached group in evaluation order and compiles it per platform", async () => {
    const res = await t.core.request("GET", `/vpc/sites/${fixture.site.id}/policy`);
    expect(res.status).toBe(200);
    const policy = res.json;
    const [low, high] = [fixture.first, fixture.second].sort((a, b) => (a.id < b.id ? -1 : 1));
    const expected = [
      [fixture.first.id, 1],
      [fixture.second.id, 2],
      [low.id, 3],
      [high.id, 3],
    ];
    expect(policy.rules.map((r: any) => [r.group.id, r.rule.order])).toEqual(expected);
    expect(policy.prefix_lists.map((l: any) => l.id)).toEqual([fixture.list.id]);
    expect(policy.compiled.map((c: any) => c.platform)).toEqual(["nftables", "iptables", "routeros"]);
    // The site's own platform shows what its agent is served; the others compile the same document.
    const config = await t.core.request("GET", "/agent/v1/config", undefined, { token: fixture.site.token });
    expect(policy.compiled[0].text).toBe(config.json.config);
    const doc = {
      prefix_lists: [fixture.list].map((l) => (({ id, name, description, prefixes }) => ({ id, name, description, prefixes }))(l)),
      security_groups: [low, high].map((g) => ({ id: g.id, name: g.name, description: g.description, rules: g.rules })),
    };
    expect(policy.compiled[1].text).toBe(compilePolicy(doc, "iptables", { mode: "host" }));
    expect(policy.compiled[2].text).toBe(compilePolicy(doc, "routeros", { mode: "host" }));
  });

  test("revision history and the semantic diff of two revisions", async () => {
    const { site, first } = fixture;
    const before = (await t.core.request("GET", `/vpc/sites/${site.id}/revisions`)).json;
    const top = before[0].revision;
    expect(before.map((r: any) => r.revision)).toEqual([...before.map((r: any) => r.revision)].sort((a: number, b: number) => b - a));
    expect(before[0].desired).toBe(true);
    // Open tcp/443 to the world, close tcp/80.
    const rules = first.rules.map((r: any) => (r.order === 1 ? { ...r, port: "443" } : r));
    expect((await t.core.request("PUT", `/vpc/security-groups/${first.id}`, { name: first.name, rules, sites: [site.id] })).status).toBe(
      200,
    );
    const after = (await t.core.request("GET", `/vpc/sites/${site.id}/revisions`)).json;
    expect(after[0].revision).toBe(top + 1);
    const diff = await t.core.request("GET", `/vpc/sites/${site.id}/revisions/diff`, undefined, {
      query: { base: String(top), head: String(top + 1) },
    });
    expect(diff.status).toBe(200);
    expect(diff.json.effectiveChange).toBe(true);
    expect(diff.json.newlyAllowed.map((r: any) => r.text).join("\n")).toMatch(/tcp\/443 from 0\.0\.0\.0\/0/);
    expect(diff.json.noLongerAllowed.map((r: any) => r.text).join("\n")).toMatch(/tcp\/80 from 0\.0\.0\.0\/0/);
    expect(diff.json.newlyAllowed[0].sites).toEqual(["viewed-site"]);
    // The reverse diff swaps the two.
    const back = await t.core.request("GET", `/vpc/sites/${site.id}/revisions/diff`, undefined, {
      query: { base: String(top + 1), head: String(top) },
    });
    expect(back.json.newlyAllowed.map((r: any) => r.text)).toEqual(diff.json.noLongerAllowed.map((r: any) => r.text));
  });

  test("a rule naming a group as its peer: the policy and the diff name the members and their addresses", async () => {
    const { site } = fixture;
    const other = await t.core.create("/vpc/sites", { name: "peer-site", platform: "nftables", addresses: ["10.9.9.9/32"] });
    const peer = await t.core.create("/vpc/security-groups", { name: "peer group", rules: [rule(1)], sites: [other.id] });
    const top = (await t.core.request("GET", `/vpc/sites/${site.id}/revisions`)).json[0].revision;
    const referencing = await t.core.create("/vpc/security-groups", {
      name: "referencing group",
      rules: [rule(7, { port: "9000", address: peer.id })],
      sites: [site.id],
    });
    const policy = await t.core.request("GET", `/vpc/sites/${site.id}/policy`);
    expect(policy.status).toBe(200);
    expect(policy.json.rules.map((r: any) => r.group.id)).toContain(referencing.id);
    const diff = await t.core.request("GET", `/vpc/sites/${site.id}/revisions/diff`, undefined, {
      query: { base: String(top), head: String(top + 1) },
    });
    expect(diff.status).toBe(200);
    expect(diff.json.groups.map((g: any) => [g.name, g.status])).toContainEqual(["referencing group", "added"]);
    expect(diff.json.newlyAllowed.map((r: any) => r.text).join("\n")).toMatch(/tcp\/9000 from group peer group \(1 site: 10\.9\.9\.9\)/);
    // A member joining the peer group is a change of what this site allows, though none of its groups changed.
    const third = await t.core.create("/vpc/sites", { name: "peer-site-2", platform: "nftables", addresses: ["10.9.9.10/32"] });
    await t.core.request("PUT", `/vpc/security-groups/${peer.id}`, { name: "peer group", rules: [rule(1)], sites: [other.id, third.id] });
    const joined = await t.core.request("GET", `/vpc/sites/${site.id}/revisions/diff`, undefined, {
      query: { base: String(top + 1), head: String(top + 2) },
    });
    expect(joined.status).toBe(200);
    expect(joined.json.effectiveChange).toBe(true);
    expect(joined.json.newlyAllowed.map((r: any) => r.text).join("\n")).toMatch(/tcp\/9000 from .*10\.9\.9\.10/);
  });

  test("bad revision numbers are a 400 naming the parameter; unknown revisions a 404", async () => {
    const path = `/vpc/sites/${fixture.site.id}/revisions/diff`;
    for (const query of [{ base: "0", head: "1" }, { base: "1" }, { base: "1", head: "1.5" }, { base: "-1", head: "1" }]) {
      const res = await t.core.request("GET", path, undefined, { query: query as Record<string, string> });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe("invalid_revision");
      expect(res.json.message).toMatch(/^(base|head) must be a revision number/);
    }
    const res = await t.core.request("GET", path, undefined, { query: { base: "1", head: "4000" } });
    expect(res.status).toBe(404);
    expect(res.json.message).toMatch(/has no revision 4000/);
  });

  test("another organization's token sees none of it", async () => {
    for (const path of ["policy", "revisions", "revisions/diff?base=1&head=2"]) {
      const res = await t.core.request("GET", `/vpc/sites/${fixture.site.id}/${path}`, undefined, { token: t.core.tokenB });
      expect(res.status).toBe(404);
      expect(res.json.code).toBe("resource_not_found");
    }
  });

  test("the event stream needs the token in the header and sends a change when a site's agent comes online", async () => {
    const address = await t.core.app.listen({ host: "127.0.0.1", port: 0 });
    const port = (t.core.app.server.address() as AddressInfo).port;
    expect(address).toContain(String(port));
    const open = (token: string | null) =>
      new Promise<{ status: number; events: string[]; close: () => void }>((resolve, reject) => {
        const events: string[] = [];
        const req = httpRequest(
          { host: "127.0.0.1", port, path: "/vpc/events", headers: token ? { authorization: `Bearer ${token}` } : {} },
          (res) => {
            res.setEncoding("utf8");
            let buffer = "";
            res.on("data", (chunk: string) => {
              buffer += chunk;
              for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
                events.push(buffer.slice(0, end));
                buffer = buffer.slice(end + 2);
              }
            });
            resolve({ status: res.statusCode ?? 0, events, close: () => req.destroy() });
          },
        );
        req.on("error", (err) => (String(err).includes("socket hang up") ? undefined : reject(err)));
        req.end();
      });
    const refused = await open(null);
    expect(refused.status).toBe(401);
    refused.close();
    const stream = await open(t.core.tokenA);
    expect(stream.status).toBe(200);
    const changes = () => stream.events.filter((e) => e.startsWith("event: change")).length;
    await until(() => changes() === 1);
    // Nothing changes: no event.
    await new Promise((r) => setTimeout(r, 1500));
    expect(changes()).toBe(1);
    // The site's agent comes online: a change.
    await agentHeartbeat(t.core, fixture.site.token);
    await until(() => changes() === 2);
    stream.close();
  });
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
