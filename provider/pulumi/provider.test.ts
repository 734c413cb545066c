/**
 * Each dynamic provider method against a real core (in-process API on
 * PGlite), called through the same provider objects Pulumi serializes.
 */
import { dynamicProvider } from "./provider";
import { changedFields, ResourceInitError, UNKNOWN, setClientOverrides } from "./handlers";
import { SecgroupsApiError } from "./client";
import { ReportingAgent, startCore, startDroppingProxy, type Core } from "../../test/support/pulumi-core";

jest.setTimeout(20_000);

const groups = dynamicProvider("securityGroup");
const lists = dynamicProvider("prefixList");
const sites = dynamicProvider("site");

function configFor(values: Record<string, string>) {
  return {
    get: (key: string) => values[key],
    require: (key: string) => {
      if (values[key] === undefined) throw new Error(`missing ${key}`);
      return values[key];
    },
  };
}

async function configure(endpoint: string, token: string, extra: Record<string, string> = {}) {
  // Every kind shares one handlers module, so configuring one configures all.
  await groups.configure!({ config: configFor({ "secgroups:endpoint": endpoint, "secgroups:token": token, ...extra }) });
}

const web = {
  name: "web",
  description: "web tier",
  rules: [
    { direction: "inbound", order: 20, protocol: 6, port: "443, 80", address: "0.0.0.0/0", description: "http(s)" },
    { direction: "outbound", order: 10, protocol: 0, port: "", address: "0.0.0.0/0", description: "all out" },
  ],
  sites: [],
};

let core: Core;
beforeAll(async () => {
  core = await startCore({ syncTimeoutMs: 60_000 });
  await configure(core.endpoint, core.token);
}, 60_000);
afterAll(async () => {
  await core.close();
});

async function checked(provider: typeof groups, news: Record<string, unknown>) {
  const result = await provider.check!({}, news);
  expect(result.failures ?? []).toEqual([]);
  return result.inputs as Record<string, unknown>;
}

describe("check", () => {
  it("normalizes ports, sorts rules by order and fills defaults, so state matches what the API returns", async () => {
    const inputs = await checked(groups, web);
    const rules = inputs.rules as Record<string, unknown>[];
    expect(rules.map((r) => r.order)).toEqual([10, 20]);
    expect(rules[1]).toEqual({
      direction: "inbound",
      order: 20,
      protocol: 6,
      port: "80,443",
      address: "0.0.0.0/0",
      description: "http(s)",
      action: "accept",
      icmp_type: null,
      icmp_code: null,
      log: false,
    });
    expect(inputs.description).toBe("web tier");
  });

  it("reports each problem on its property with a message saying what to change", async () => {
    const result = await groups.check!(
      {},
      {
        ...web,
        rules: [
          { direction: "inbound", order: 10, protocol: 6, port: "70000", address: "10.0.0.1/24", description: "bad" },
          { direction: "sideways", order: 20, protocol: 1, port: "22", address: "10.0.0.0/24", description: "worse" },
          { direction: "inbound", order: 30, protocol: 6, port: "22", address: "10.0.0.0/24", description: "ssh" },
          { direction: "inbound", order: 30, protocol: 6, port: "25", address: "10.0.0.0/24", description: "same order" },
        ],
      },
    );
    const byProperty = Object.fromEntries((result.failures ?? []).map((f) => [f.property, f.reason]));
    expect(byProperty["rules[0].port"]).toMatch(/65535/);
    expect(byProperty["rules[0].address"]).toMatch(/did you mean 10\.0\.0\.0\/24/);
    expect(byProperty["rules[1].direction"]).toMatch(/"inbound", "outbound"/);
    expect(byProperty["rules[1].port"]).toMatch(/must be ""/);
    expect(byProperty["rules[3].order"]).toMatch(/order 30 is already used by rules\[2\]/);
    // The reason does not repeat the path the property already names.
    expect(byProperty["rules[0].port"]).not.toMatch(/^rules\[0\]/);
  });

  it("lets values unknown during preview pass, and still checks the known ones", async () => {
    const passing = await groups.check!(
      {},
      {
        ...web,
        rules: [{ direction: "inbound", order: 10, protocol: 6, port: "22", address: UNKNOWN, description: "from office" }],
        sites: [UNKNOWN],
      },
    );
    expect(passing.failures ?? []).toEqual([]);
    expect((passing.inputs as Record<string, unknown>).sites).toEqual([UNKNOWN]);

    const failing = await groups.check!({}, { ...web, name: "x", sites: UNKNOWN });
    expect((failing.failures ?? []).map((f) => f.property)).toEqual(["name"]);
  });

  it("checks sites and prefix lists with the same validator", async () => {
    const site = await sites.check!({}, { name: "edge", platform: "pf" });
    expect(site.failures).toEqual([{ property: "platform", reason: expect.stringMatching(/"nftables", "iptables", "routeros"/) }]);
    expect(await checked(sites, { name: "edge", platform: "nftables" })).toEqual({
      name: "edge",
      platform: "nftables",
      mode: "host",
      addresses: [],
    });
    const list = await lists.check!({}, { name: "office", prefixes: [{ cidr: "10.1.0.0/16" }, { cidr: "10.1.0.0/16" }] });
    expect(list.failures).toEqual([{ property: "prefixes[1].cidr", reason: expect.stringMatching(/already listed at prefixes\[0\]/) }]);
  });

  it("rejects provider options of the wrong type", async () => {
    const result = await groups.check!({}, { ...web, waitForSync: "yes", syncTimeout: -1 });
    expect((result.failures ?? []).map((f) => f.property).sort()).toEqual(["syncTimeout", "waitForSync"]);
  });
});

describe("create, read, diff, update, delete", () => {
  it("creates a group, waits for active, and reads back outputs that diff as unchanged", async () => {
    const inputs = await checked(groups, web);
    const created = await groups.create(inputs);
    expect(created.id).toMatch(/^sec_grp_/);
    expect(created.outs.status).toBe("active");
    expect(created.outs.rules.map((r: { id: string }) => r.id)).toEqual([expect.stringMatching(/^fltr_/), expect.stringMatching(/^fltr_/)]);
    // No perpetual diff: the normalized inputs equal what the API stored.
    expect(await groups.diff!(created.id, created.outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    // The API token is never an output.
    expect(JSON.stringify(created.outs)).not.toContain(core.token);

    const read = await groups.read!(created.id, created.outs);
    expect(read.id).toBe(created.id);
    expect(read.props).toEqual(created.outs);
    expect(read.inputs).toEqual({ name: "web", description: "web tier", rules: inputs.rules, sites: [] });
  });

  it("self: created in one call, outputs and read show the own id as self; no diff, also against a rule spelling the id", async () => {
    const etcd = {
      ...web,
      name: "etcd",
      rules: [...web.rules, { direction: "inbound", order: 30, protocol: 6, port: "2379-2380", address: "self", description: "peers" }],
    };
    const inputs = await checked(groups, etcd);
    expect((inputs.rules as { address: string }[]).map((r) => r.address)).toEqual(["0.0.0.0/0", "0.0.0.0/0", "self"]);
    const created = await groups.create(inputs);
    // The API holds the id; state and the engine's inputs say self.
    const stored = await core.api("GET", `/vpc/security-groups/${created.id}`);
    expect(stored.body.rules[2].address).toBe(created.id);
    expect(created.outs.rules[2].address).toBe("self");
    expect(await groups.diff!(created.id, created.outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    const read = await groups.read!(created.id, created.outs);
    expect(read.props).toEqual(created.outs);
    expect(read.inputs?.rules).toEqual(inputs.rules);
    const spelled = await checked(groups, {
      ...etcd,
      rules: etcd.rules.map((r) => (r.address === "self" ? { ...r, address: created.id } : r)),
    });
    expect((await groups.diff!(created.id, created.outs, spelled)).changes).toBe(false);
    expect(changedFields("securityGroup", created.outs, spelled, created.id)).toEqual([]);
    // Another group's id is not self.
    const other = await checked(groups, {
      ...etcd,
      rules: etcd.rules.map((r) => (r.address === "self" ? { ...r, address: stored.body.id.replace(/.$/, "x") } : r)),
    });
    expect((await groups.diff!(created.id, created.outs, other)).changes).toBe(true);
    expect(changedFields("securityGroup", created.outs, other, created.id)).toEqual(["rules[order=30].address"]);
  });

  it("sees a rule-level change, never as a replacement, and updates in place keeping rule ids", async () => {
    const inputs = await checked(groups, { ...web, name: "web-update" });
    const created = await groups.create(inputs);
    const changed = await checked(groups, {
      ...web,
      name: "web-update",
      rules: [web.rules[0], { ...web.rules[1], port: "" }].map((r, i) => (i === 0 ? { ...r, port: "8443" } : r)),
    });
    const diff = await groups.diff!(created.id, created.outs, changed);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(changedFields("securityGroup", created.outs, changed)).toEqual(["rules[order=20].port"]);
    // Server-only fields and provider options never count as changes.
    expect(
      (await groups.diff!(created.id, { ...created.outs, status: "syncing", updated_at: "x" }, { ...inputs, waitForSync: false })).changes,
    ).toBe(false);

    const updated = await groups.update!(created.id, created.outs, changed);
    const rules = updated.outs.rules as { id: string; order: number; port: string }[];
    expect(rules.find((r) => r.order === 20)?.port).toBe("8443");
    expect(rules.map((r) => r.id)).toEqual(created.outs.rules.map((r: { id: string }) => r.id));
  });

  it("shows changes made outside the stack on read (refresh)", async () => {
    const created = await groups.create(await checked(groups, { ...web, name: "web-refresh" }));
    const current = await core.api("GET", `/vpc/security-groups/${created.id}`);
    const rules = current.body.rules.map((r: Record<string, unknown>) => (r.order === 20 ? { ...r, port: "9090" } : r));
    const put = await core.api("PUT", `/vpc/security-groups/${created.id}`, {
      name: "web-refresh",
      description: "changed by hand",
      rules,
      sites: [],
    });
    expect(put.status).toBe(200);

    const read = await groups.read!(created.id, created.outs);
    expect(read.props?.description).toBe("changed by hand");
    expect(read.inputs?.rules.find((r: { order: number }) => r.order === 20).port).toBe("9090");
    expect((await groups.diff!(created.id, read.props, await checked(groups, { ...web, name: "web-refresh" }))).changes).toBe(true);
  });

  it("deletes, treats an already deleted resource as gone, and reads nothing back", async () => {
    const created = await groups.create(await checked(groups, { ...web, name: "web-delete" }));
    await groups.delete!(created.id, created.outs);
    await groups.delete!(created.id, created.outs);
    expect(await groups.read!(created.id, created.outs)).toEqual({});
  });

  it("turns a 422 from the API into an error naming the field, the rule's order and the fix", async () => {
    const inputs = await checked(groups, {
      ...web,
      name: "web-422",
      rules: [
        {
          direction: "inbound",
          order: 30,
          protocol: 6,
          port: "22",
          address: "prfx_lst_000000000000000000000000000",
          description: "office",
        },
      ],
    });
    const error = await groups.create(inputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecgroupsApiError);
    expect((error as Error).message).toMatch(/HTTP 422 \(reference_not_found\)/);
    expect((error as Error).message).toMatch(/rules\[0\]\.address \(the rule with order 30\): prefix list prfx_lst_0+ does not exist/);
    // The link points at the core the provider talked to, which serves the code's page.
    expect((error as Error).message).toContain(`see ${core.endpoint}/docs/errors/reference_not_found`);
  });

  it("manages prefix lists and sites; a site's token is an output and survives reads", async () => {
    const list = await lists.create(
      await checked(lists, { name: "office", description: null, prefixes: [{ cidr: "192.0.2.0/24", description: "hq" }], sites: [] }),
    );
    expect(list.outs.status).toBe("active");
    expect(list.outs.prefixes[0]).toEqual({ id: expect.stringMatching(/^prfx_/), cidr: "192.0.2.0/24", description: "hq" });

    const siteInputs = await checked(sites, { name: "edge-1", platform: "nftables" });
    const site = await sites.create(siteInputs);
    expect(site.outs.token).toMatch(/^sgs_/);
    const read = await sites.read!(site.id, site.outs);
    expect(read.props?.token).toBe(site.outs.token);
    // Platform and mode are updated in place, not replaced.
    const moved = await checked(sites, { name: "edge-1", platform: "iptables", mode: "router" });
    expect(await sites.diff!(site.id, site.outs, moved)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await sites.update!(site.id, site.outs, moved);
    expect(updated.outs).toMatchObject({ platform: "iptables", mode: "router", token: site.outs.token });
    await sites.delete!(site.id, updated.outs);
  });

  it("site addresses: declared ones are an input (core's checks and stored form); reported ones an output that never makes a diff", async () => {
    const bad = await sites.check!({}, { name: "edge-addr", platform: "nftables", addresses: ["10.0.1.5/24"] });
    expect(bad.failures).toEqual([{ property: "addresses[0]", reason: expect.stringMatching(/did you mean 10\.0\.1\.0\/24\?/) }]);
    const inputs = await checked(sites, { name: "edge-addr", platform: "nftables", addresses: ["2001:DB8::5/128", "10.0.1.5/32"] });
    expect(inputs.addresses).toEqual(["10.0.1.5/32", "2001:db8::5/128"]);
    const site = await sites.create(inputs);
    expect(site.outs).toMatchObject({ addresses: expect.arrayContaining(["10.0.1.5/32", "2001:db8::5/128"]), reported_addresses: [] });

    // The agent reports its interfaces: a refresh shows them, and the same program is no change.
    const res = await fetch(`${core.endpoint}/agent/v1/addresses`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${site.outs.token as string}`, "content-type": "application/json" },
      body: JSON.stringify({ addresses: ["10.0.1.7/32"] }),
    });
    expect(res.status).toBe(204);
    const read = await sites.read!(site.id, site.outs);
    expect(read.props?.reported_addresses).toEqual(["10.0.1.7/32"]);
    expect(await sites.diff!(site.id, read.props, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect(changedFields("site", read.props!, inputs)).toEqual([]);

    // Declared addresses are updated in place; clearing them leaves the reported ones in effect.
    const cleared = await checked(sites, { name: "edge-addr", platform: "nftables", addresses: [] });
    expect(changedFields("site", read.props!, cleared)).toEqual(["addresses"]);
    const updated = await sites.update!(site.id, read.props!, cleared);
    expect(updated.outs).toMatchObject({ addresses: [], reported_addresses: ["10.0.1.7/32"] });
    await sites.delete!(site.id, updated.outs);
  });
});

describe("sync with sites", () => {
  async function newSite(name: string) {
    const site = await sites.create(await checked(sites, { name, platform: "nftables" }));
    return { id: site.id, token: site.outs.token as string };
  }

  /** One heartbeat: the site is online (and holds the syncing lock) but confirms nothing. */
  async function heartbeat(siteToken: string) {
    const res = await fetch(`${core.endpoint}/agent/v1/heartbeat`, { method: "POST", headers: { Authorization: `Bearer ${siteToken}` } });
    expect(res.status).toBe(204);
  }

  /** Runs `fn` with the provider's progress lines captured. */
  async function withLog<T>(fn: (lines: string[]) => Promise<T>): Promise<T> {
    const lines: string[] = [];
    setClientOverrides({ log: (line) => lines.push(line) });
    try {
      return await fn(lines);
    } finally {
      setClientOverrides({});
    }
  }

  it("waits for the site's agent to confirm before create returns active", async () => {
    const site = await newSite("sync-ok");
    await heartbeat(site.token); // its agent runs: online, so the write waits for it
    const agent = new ReportingAgent(core.endpoint);
    try {
      setTimeout(() => agent.add(site.token), 500);
      const created = await groups.create(await checked(groups, { ...web, name: "synced", sites: [site.id] }));
      expect(created.outs.status).toBe("active");
      expect(agent.applied.some((a) => a.site === site.id)).toBe(true);
    } finally {
      await agent.stop();
    }
  });

  it("fails with the sites and their errors when an agent cannot apply, keeping the id for the next up", async () => {
    const site = await newSite("sync-fails");
    await heartbeat(site.token); // its agent runs: online, so the write waits for it
    const agent = new ReportingAgent(core.endpoint);
    agent.add(site.token, { fail: "nft: syntax error, unexpected junk" });
    try {
      const error = await groups.create(await checked(groups, { ...web, name: "failing", sites: [site.id] })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceInitError);
      const init = error as ResourceInitError;
      expect(init.id).toMatch(/^sec_grp_/);
      expect(init.message).toContain(`sync-fails (${site.id}): nft: syntax error, unexpected junk`);
      expect(init.properties.status).toBe("failed");
    } finally {
      await agent.stop();
    }
  });

  it("stops waiting after syncTimeout for an online site and names it; says what it waits for meanwhile", async () => {
    const site = await newSite("sync-silent");
    await heartbeat(site.token);
    const { error, lines } = await withLog(async (lines) => ({
      lines,
      error: await groups
        .create(await checked(groups, { ...web, name: "silent", sites: [site.id], syncTimeout: 1 }))
        .catch((e: unknown) => e),
    }));
    expect(error).toBeInstanceOf(ResourceInitError);
    expect((error as Error).message).toMatch(
      new RegExp(`still syncing after 1s; waiting for 1 site to apply revision \\d+: sync-silent \\(${site.id}, last seen \\d+ s ago\\)`),
    );
    expect((error as ResourceInitError).properties.syncTimeout).toBe(1);
    // Within one second: exactly the first line (then at most one every 10 s).
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^secgroups security group sec_grp_\\w+: waiting for 1 site .*sync-silent \\(${site.id}`)),
    ]);
  });

  it("waits for a site whose agent never connected saying so, and destroy is not locked by it", async () => {
    const site = await newSite("no-agent-yet");
    const { error, lines } = await withLog(async (lines) => ({
      lines,
      error: await groups
        .create(await checked(groups, { ...web, name: "queued", sites: [site.id], syncTimeout: 1 }))
        .catch((e: unknown) => e),
    }));
    expect(error).toBeInstanceOf(ResourceInitError);
    const init = error as ResourceInitError;
    expect(init.message).toMatch(
      new RegExp(`waiting for 1 site to apply revision \\d+: no-agent-yet \\(${site.id}, never connected\\)\\. Its revision is queued`),
    );
    expect(lines).toEqual([expect.stringMatching(new RegExp(`waiting for 1 site .*no-agent-yet \\(${site.id}, never connected\\)`))]);
    const started = Date.now();
    await groups.delete!(init.id, init.properties);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await core.api("GET", `/vpc/security-groups/${init.id}`)).status).toBe(404);
  });

  it("does not wait when waitForSync is false", async () => {
    const site = await newSite("sync-nowait");
    const created = await groups.create(await checked(groups, { ...web, name: "nowait", sites: [site.id], waitForSync: false }));
    expect(created.outs.status).toBe("syncing");
  });

  it("retries an update refused with 409 while syncing, after Retry-After, until the site confirms", async () => {
    const site = await newSite("sync-409");
    await heartbeat(site.token);
    const inputs = await checked(groups, { ...web, name: "locked", sites: [site.id], waitForSync: false });
    const created = await groups.create(inputs);
    expect(created.outs.status).toBe("syncing");
    const direct = await core.api("PUT", `/vpc/security-groups/${created.id}`, { name: "locked", rules: [], sites: [site.id] });
    expect(direct.status).toBe(409);
    expect(direct.headers.get("retry-after")).toBe("5");

    const agent = new ReportingAgent(core.endpoint);
    const started = Date.now();
    setTimeout(() => agent.add(site.token), 1_000);
    try {
      const { updated, lines } = await withLog(async (lines) => ({
        lines,
        updated: await groups.update!(created.id, created.outs, { ...inputs, description: "after the lock", waitForSync: true }),
      }));
      expect(updated.outs.description).toBe("after the lock");
      expect(lines[0]).toMatch(new RegExp(`locked, retrying: .*waiting for ${site.id}`));
      expect(updated.outs.status).toBe("active");
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    } finally {
      await agent.stop();
    }
  }, 30_000);
});

describe("idempotent create", () => {
  it("retries a create whose response was lost with the same Idempotency-Key, creating one group", async () => {
    const proxy = await startDroppingProxy(core.endpoint, (req) => req.method === "POST");
    setClientOverrides({ endpoint: proxy.url });
    try {
      const created = await groups.create(await checked(groups, { ...web, name: "once-only" }));
      expect(proxy.dropped).toBe(1);
      const all = await core.api("GET", "/vpc/security-groups?limit=100");
      expect(all.body.filter((g: { name: string }) => g.name === "once-only").map((g: { id: string }) => g.id)).toEqual([created.id]);
    } finally {
      setClientOverrides({});
      await proxy.close();
    }
  });
});

describe("configuration", () => {
  const saved = { ...process.env };
  afterEach(async () => {
    process.env = { ...saved };
    await configure(core.endpoint, core.token);
  });

  it("falls back to SECGROUPS_ENDPOINT and SECGROUPS_TOKEN", async () => {
    await groups.configure!({ config: configFor({}) });
    process.env.SECGROUPS_ENDPOINT = core.endpoint;
    process.env.SECGROUPS_TOKEN = core.token;
    const created = await groups.create(await checked(groups, { ...web, name: "from-env" }));
    expect(created.outs.status).toBe("active");
  });

  it("says how to set the endpoint and token when neither is there", async () => {
    await groups.configure!({ config: configFor({}) });
    delete process.env.SECGROUPS_ENDPOINT;
    delete process.env.SECGROUPS_TOKEN;
    await expect(groups.create(await checked(groups, web))).rejects.toThrow(/pulumi config set secgroups:endpoint .* SECGROUPS_ENDPOINT/);
    process.env.SECGROUPS_ENDPOINT = core.endpoint;
    await expect(groups.create(await checked(groups, web))).rejects.toThrow(
      /pulumi config set --secret secgroups:token .* SECGROUPS_TOKEN/,
    );
  });

  it("names the token settings on 401 without ever printing the token", async () => {
    await configure(core.endpoint, "not-a-jwt");
    const error = (await groups.create(await checked(groups, web)).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/HTTP 401/);
    expect(error.message).toMatch(/secgroups:token or SECGROUPS_TOKEN/);
    expect(error.message).not.toContain("not-a-jwt");
  });
});
