/* eslint-disable @typescript-eslint/no-explicit-any -- API responses and Pulumi state are untyped JSON in tests */
/**
 * Programs under pulumi.runtime.setMocks: what the resources register with the
 * engine (type tokens, args named as in the API, defaults, secrets), and the
 * example stack's wiring, without an engine or an API.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

// The example imports the package by name; point that name at this source tree.
jest.mock("secgroups/pulumi", () => jest.requireActual("./index"), { virtual: true });

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
  additionalSecretOutputs?: string[];
}

const registered: Registered[] = [];
let counter = 0;

const ids: Record<string, string> = {
  "pulumi-nodejs:dynamic/secgroups:SecurityGroup": "sec_grp_",
  "pulumi-nodejs:dynamic/secgroups:PrefixList": "prfx_lst_",
  "pulumi-nodejs:dynamic/secgroups:Site": "site_",
};

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        const id = ids[args.type] + String(++counter).padStart(27, "0");
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type.endsWith(":Site")) state.token = `sgs_mock_${args.name}`;
        else state.status = "active";
        return { id, state };
      },
      call: (args) => args.inputs,
    },
    "secgroups-web",
    "test",
    true,
  );
});

function outputOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((value) => resolve(value)));
}

describe("resources under mocks", () => {
  it("register as secgroups dynamic resources with the API's field names and defaults", async () => {
    const { SecurityGroup, PrefixList, Site } = await import("./index");
    const site = new Site("edge", { name: "edge", platform: "routeros" });
    const office = new PrefixList("office-list", { name: "office", prefixes: [{ cidr: "198.51.100.0/24", description: "hq" }] });
    const group = new SecurityGroup("ssh", {
      name: "ssh",
      rules: [{ direction: "inbound", order: 10, protocol: 6, port: "22", address: office.id, description: "ssh from the office" }],
      sites: [site.id],
    });

    const [groupId, siteId, officeId, status] = await Promise.all([
      outputOf(group.id),
      outputOf(site.id),
      outputOf(office.id),
      outputOf(group.status),
    ]);
    expect(groupId).toMatch(/^sec_grp_/);
    expect(status).toBe("active");

    const byName = Object.fromEntries(registered.map((r) => [r.name, r]));
    expect(byName.edge.type).toBe("pulumi-nodejs:dynamic/secgroups:Site");
    expect(byName.edge.inputs).toMatchObject({ name: "edge", platform: "routeros", mode: "host" });
    expect(byName["office-list"].inputs).toMatchObject({ name: "office", sites: [] });
    expect(byName.ssh.inputs.rules[0].address).toBe(officeId);
    expect(byName.ssh.inputs.sites).toEqual([siteId]);
    // Each resource carries its serialized provider, and it is small.
    for (const r of [byName.edge, byName["office-list"], byName.ssh]) {
      expect(typeof r.inputs.__provider).toBe("string");
      expect(r.inputs.__provider.length).toBeLessThan(8_000);
    }
  });

  it("never sends a site's agent token, and exposes the one the API returns as an output", async () => {
    // That the token is stored as a secret (additionalSecretOutputs) is the engine's
    // job, which mocks do not do: test/integration/pulumi-web.test.ts checks the state.
    const { Site } = await import("./index");
    const site = new Site("token-site", { name: "token-site", platform: "nftables" });
    expect(await outputOf(site.token)).toBe("sgs_mock_token-site");
    expect(registered.find((r) => r.name === "token-site")!.inputs.token).toBeUndefined();
  });
});

describe("the example stack under mocks", () => {
  it("wires the office list into both groups, the web group into the database's PostgreSQL rule, and each group to its own site", async () => {
    registered.length = 0;
    const example = await import(path.join(__dirname, "../../examples/pulumi-web/index"));
    // The database group registers once the web group's id is known: both statuses are awaited.
    const [webStatus, databaseStatus, siteIds, officeId, webGroupId] = await Promise.all([
      outputOf(example.webStatus),
      outputOf(example.databaseStatus),
      outputOf(pulumi.output(example.siteIds)),
      outputOf(example.officeId),
      outputOf(example.webGroupId),
    ]);
    expect([webStatus, databaseStatus]).toEqual(["active", "active"]);
    const groups = registered.filter((r) => r.type.endsWith(":SecurityGroup"));
    expect(groups.map((g) => g.name).sort()).toEqual(["database", "web"]);
    for (const g of groups) {
      expect(g.inputs.rules.some((r: { address: string }) => r.address === officeId)).toBe(true);
    }
    const ids = siteIds as Record<string, string>;
    expect(groups.find((g) => g.name === "web")!.inputs.sites).toEqual([ids["web-1"]]);
    expect(groups.find((g) => g.name === "database")!.inputs.sites).toEqual([ids["db-1"]]);
    const postgres = groups.find((g) => g.name === "database")!.inputs.rules.find((r: { port: string }) => r.port === "5432");
    expect(postgres.address).toBe(webGroupId);
    expect(await pulumi.isSecret(example.siteTokens)).toBe(true);
  });
});
