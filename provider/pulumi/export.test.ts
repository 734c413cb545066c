/* eslint-disable @typescript-eslint/no-explicit-any -- API responses and Pulumi state are untyped JSON in tests */
/**
 * `secgroups export --pulumi` and the `adopt` option it relies on, since
 * `pulumi import` cannot adopt dynamic-provider resources: export what a real
 * core holds, run the generated program under mocks, and adopt through the
 * provider so nothing is created twice.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import * as pulumi from "@pulumi/pulumi";
import { exportCommand, fetchInventory, renderPulumiProgram } from "../../core/cli/commands/export";
import { dynamicProvider } from "./provider";
import { startCore, type Core } from "../../test/support/pulumi-core";
import { tempDir } from "../../test/support/pulumi-cli";

jest.mock("secgroups/pulumi", () => jest.requireActual("./index"), { virtual: true });
jest.setTimeout(30_000);

let core: Core;
const ids: Record<string, string> = {};

beforeAll(async () => {
  core = await startCore();
  const site = await core.api("POST", "/vpc/sites", { name: "web-1", platform: "nftables" });
  const list = await core.api("POST", "/vpc/prefix-lists", {
    name: "office",
    description: "office egress",
    prefixes: [{ cidr: "198.51.100.0/24", description: "hq" }],
  });
  const group = await core.api("POST", "/vpc/security-groups", {
    name: "web servers",
    description: null,
    rules: [
      { direction: "inbound", order: 20, protocol: 6, port: "22", address: list.body.id, description: 'ssh from "the" office' },
      {
        direction: "inbound",
        order: 10,
        protocol: 1,
        port: "",
        address: "0.0.0.0/0",
        description: "ping",
        icmp_type: 8,
        action: "drop",
        log: true,
      },
    ],
    sites: [],
  });
  Object.assign(ids, { site: site.body.id, list: list.body.id, group: group.body.id });
  const provider = dynamicProvider("securityGroup");
  await provider.configure!({
    config: { get: (k: string) => ({ "secgroups:endpoint": core.endpoint, "secgroups:token": core.token })[k], require: () => "" },
  });
}, 60_000);

afterAll(async () => {
  await core.close();
});

describe("secgroups export --pulumi", () => {
  it("renders every resource with references by variable and only non-default rule fields", async () => {
    const code = renderPulumiProgram(await fetchInventory(core.endpoint, core.token), { endpoint: core.endpoint });
    expect(code).toContain(`import { PrefixList, SecurityGroup, Site } from "secgroups/pulumi";`);
    expect(code).toContain(`export const web1 = new Site("web-1", {`);
    expect(code).toContain(`adopt: ${JSON.stringify(ids.site)},`);
    expect(code).toContain(`export const webServers = new SecurityGroup("web servers", {`);
    // Rules by order, prefix lists referenced by variable, quotes escaped.
    expect(code).toMatch(
      /order: 10, protocol: 1, port: "", address: "0\.0\.0\.0\/0", description: "ping", action: "drop", icmp_type: 8, log: true \}[\s\S]*order: 20, .*address: office\.id, description: "ssh from \\"the\\" office" \}/,
    );
    const diagnostics =
      ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.CommonJS } }).diagnostics ?? [];
    expect(diagnostics).toEqual([]);
  });

  it("writes a program that registers each existing resource for adoption", async () => {
    const registered: { name: string; inputs: Record<string, any> }[] = [];
    pulumi.runtime.setMocks(
      {
        newResource: (a) => (registered.push({ name: a.name, inputs: a.inputs }), { id: a.inputs.adopt, state: a.inputs }),
        call: (a) => a.inputs,
      },
      "exported",
      "test",
      false,
    );
    const dir = tempDir("sg-export-");
    const file = path.join(dir, "index.ts");
    fs.writeFileSync(file, renderPulumiProgram(await fetchInventory(core.endpoint, core.token)));
    try {
      const program = await import(file);
      await new Promise((resolve) => program.webServers.id.apply(resolve));
      expect(Object.fromEntries(registered.map((r) => [r.name, r.inputs.adopt]))).toEqual({
        "web-1": ids.site,
        office: ids.list,
        "web servers": ids.group,
      });
      expect(registered.find((r) => r.name === "web servers")!.inputs.rules[1].address).toBe(ids.list);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("asks for a format, an endpoint and a token", async () => {
    await expect(exportCommand.run({ pulumi: false }, [])).rejects.toThrow(/--pulumi/);
    const saved = { ...process.env };
    delete process.env.SECGROUPS_ENDPOINT;
    delete process.env.SECGROUPS_TOKEN;
    try {
      await expect(exportCommand.run({ pulumi: true }, [])).rejects.toThrow(/--endpoint \(or SECGROUPS_ENDPOINT\)/);
      await expect(exportCommand.run({ pulumi: true, endpoint: core.endpoint }, [])).rejects.toThrow(/--token \(or SECGROUPS_TOKEN\)/);
    } finally {
      process.env = saved;
    }
  });
});

describe("adopt", () => {
  const groups = dynamicProvider("securityGroup");

  it("takes an existing group over in place instead of creating a copy", async () => {
    const inputs = (
      await groups.check!(
        {},
        {
          name: "web servers",
          rules: [{ direction: "inbound", order: 10, protocol: 6, port: "443", address: "0.0.0.0/0", description: "https" }],
          adopt: ids.group,
        },
      )
    ).inputs;
    const before = (await core.api("GET", "/vpc/security-groups")).body.length;
    const created = await groups.create(inputs);
    expect(created.id).toBe(ids.group);
    expect(created.outs.rules.map((r: { port: string }) => r.port)).toEqual(["443"]);
    expect((await core.api("GET", "/vpc/security-groups")).body.length).toBe(before);
    // Once adopted, the option is not a change.
    expect((await groups.diff!(created.id, created.outs, { ...inputs, adopt: undefined })).changes).toBe(false);
  });

  it("rejects an id of the wrong kind at check time", async () => {
    const result = await groups.check!({}, { name: "web", rules: [], sites: [], adopt: ids.list });
    expect(result.failures).toEqual([
      { property: "adopt", reason: expect.stringMatching(/id of an existing security group \(sec_grp_\.\.\.\)/) },
    ]);
  });
});
