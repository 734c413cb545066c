/* eslint-disable @typescript-eslint/no-explicit-any -- registered inputs are untyped JSON */
/**
 * getPrefixList / getSecurityGroup / getSite against a real core (in-process
 * API on PGlite), inside a program under pulumi.runtime.setMocks so a looked-up
 * id can feed a resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { startCore, type Core } from "../../test/support/pulumi-core";
import { getPrefixList, getSecurityGroup, getSite, SecurityGroup } from "./index";
import { LOOKUP_KINDS, lookup } from "./lookups";
import { setClientOverrides } from "./handlers";

jest.setTimeout(30_000);

const registered: { name: string; inputs: Record<string, any> }[] = [];
let core: Core;
let office: string;
const saved = { endpoint: process.env.SECGROUPS_ENDPOINT, token: process.env.SECGROUPS_TOKEN };

beforeAll(async () => {
  core = await startCore();
  process.env.SECGROUPS_ENDPOINT = core.endpoint;
  process.env.SECGROUPS_TOKEN = core.token;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ name: args.name, inputs: args.inputs });
        return { id: "sec_grp_" + "0".repeat(27), state: { ...args.inputs, status: "active" } };
      },
      call: (args) => args.inputs,
    },
    "lookups",
    "test",
    false,
  );
  const created = await core.api("POST", "/vpc/prefix-lists", {
    name: "office",
    prefixes: [{ cidr: "203.0.113.0/24", description: "hq" }],
  });
  office = created.body.id;
  for (const name of ["twin", "twin"]) await core.api("POST", "/vpc/prefix-lists", { name, prefixes: [{ cidr: "192.0.2.0/24" }] });
  // More sites than one page of the list (100), so a look-up by name must follow X-Next-Cursor.
  for (let i = 0; i < 101; i++)
    expect((await core.api("POST", "/vpc/sites", { name: `site-${i}`, platform: "nftables" })).status).toBe(201);
  await core.api("POST", "/vpc/security-groups", {
    name: "baseline",
    rules: [{ direction: "outbound", order: 10, protocol: 6, port: "443, 80", address: "0.0.0.0/0", description: "web out" }],
    sites: [],
  });
}, 60_000);

afterAll(async () => {
  setClientOverrides({});
  await core.close();
  process.env.SECGROUPS_ENDPOINT = saved.endpoint;
  process.env.SECGROUPS_TOKEN = saved.token;
});

/** The Output's value (Output.promise is the SDK's own accessor). */
function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as unknown as { promise(): Promise<T> }).promise();
}

describe("look-ups", () => {
  it("find a prefix list by name, and by id, with the API's fields", async () => {
    const byName = await valueOf(getPrefixList({ name: "office" }));
    expect(byName).toMatchObject({
      id: office,
      name: "office",
      status: "active",
      prefixes: [{ cidr: "203.0.113.0/24", description: "hq" }],
    });
    const byId = await valueOf(getPrefixList({ id: office }));
    expect(byId.name).toBe("office");
  });

  it("feed another resource: a looked-up prefix list's id in a rule, its Output resolved as an input", async () => {
    const list = getPrefixList({ name: pulumi.output("office") });
    const group = new SecurityGroup("ssh", {
      name: "ssh",
      rules: [{ direction: "inbound", order: 10, protocol: 6, port: "22", address: list.id, description: "ssh from the office" }],
    });
    await valueOf(group.id);
    expect(registered.find((r) => r.name === "ssh")!.inputs.rules[0].address).toBe(office);
  });

  it("follow every page of a list", async () => {
    const site = await valueOf(getSite({ name: "site-4" }));
    expect(site).toMatchObject({ name: "site-4", platform: "nftables", mode: "host" });
    expect(site).not.toHaveProperty("token");
  });

  it("return a security group's rules as the API stores them", async () => {
    const group = await valueOf(getSecurityGroup({ name: "baseline" }));
    expect(group.rules).toEqual([expect.objectContaining({ order: 10, port: "80,443", action: "accept" })]);
  });

  // Through lookup(), the function the Outputs apply: a failed Output in a
  // program fails the program with this message (under jest it would be an
  // unhandled rejection of the SDK's derived promises).
  it("fail with the ids when a name is ambiguous, and say so when nothing has it", async () => {
    const twins = (await core.api("GET", "/vpc/prefix-lists")).body
      .filter((l: { name: string }) => l.name === "twin")
      .map((l: { id: string }) => l.id);
    expect(twins).toHaveLength(2);
    await expect(lookup(LOOKUP_KINDS.prefixList, undefined, "twin")).rejects.toThrow(
      `secgroups: 2 prefix lists are named "twin": ${twins.join(", ")}; look it up by id`,
    );
    await expect(lookup(LOOKUP_KINDS.securityGroup, undefined, "nowhere")).rejects.toThrow(
      'secgroups: no security group named "nowhere" in this organization',
    );
    await expect(lookup(LOOKUP_KINDS.site, "site_" + "0".repeat(27))).rejects.toThrow(
      `secgroups: no site with id site_${"0".repeat(27)} in this organization`,
    );
  });

  it("need exactly one of id and name", () => {
    expect(() => getSite({} as never)).toThrow("secgroups: getSite needs exactly one of id and name, got neither");
    expect(() => getSite({ id: "site_x", name: "x" } as never)).toThrow("got both");
  });
});
