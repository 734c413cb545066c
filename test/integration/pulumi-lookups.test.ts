/**
 * getPrefixList / getSecurityGroup / getSite through the real Pulumi CLI
 * (Automation API, file:// backend) against an in-process core: a program
 * looks up objects made elsewhere by name, with the endpoint and the (secret)
 * token from stack config only, and uses them in a SecurityGroup it manages.
 * (A failing look-up's message is tested in provider/pulumi/lookups.test.ts:
 * through the CLI, any program whose apply fails takes ~150 s to end here.)
 */
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { startCore, type Core } from "../support/pulumi-core";
import { buildPackage, createStack, ensurePulumi, removeDirs, writeProgram } from "../support/pulumi-cli";

jest.setTimeout(5 * 60_000);

const PROJECT = "secgroups-lookups";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { getPrefixList, getSecurityGroup, getSite, SecurityGroup } from "secgroups/pulumi";

const office = getPrefixList({ name: "office" });
const baseline = getSecurityGroup({ name: "baseline" });
const edge = getSite({ name: "edge" });

const ssh = new SecurityGroup("ssh", {
  name: "ssh",
  rules: pulumi.all([office.id, baseline.rules]).apply(([officeId, rules]) => [
    { direction: "inbound" as const, order: 10, protocol: 6, port: "22", address: officeId, description: "ssh from the office" },
    // The baseline's outbound rules, as the API stores them.
    ...rules.filter((r) => r.direction === "outbound").map(({ id: _id, ...rule }) => rule),
  ]),
});

export const groupId = ssh.id;
export const officeId = office.id;
export const officeCidrs = office.prefixes.apply((prefixes) => prefixes.map((p) => p.cidr));
export const edgePlatform = edge.platform;
`;

let core: Core;
let stack: Stack;
let dirs: string[] = [];
let office: string;

beforeAll(async () => {
  ensurePulumi();
  buildPackage();
  core = await startCore();
  office = (await core.api("POST", "/vpc/prefix-lists", { name: "office", prefixes: [{ cidr: "203.0.113.0/24" }] })).body.id;
  await core.api("POST", "/vpc/security-groups", {
    name: "baseline",
    rules: [{ direction: "outbound", order: 100, protocol: 0, port: "", address: "0.0.0.0/0", description: "all out" }],
    sites: [],
  });
  await core.api("POST", "/vpc/sites", { name: "edge", platform: "routeros" });
  const programDir = writeProgram("sg-pulumi-lookups-program-", PROGRAM);
  // No SECGROUPS_* in the environment: the look-ups must read the stack's config.
  const created = await createStack({
    program: path.join(programDir, "index.ts"),
    project: PROJECT,
    env: { SECGROUPS_ENDPOINT: "", SECGROUPS_TOKEN: "" },
  });
  stack = created.stack;
  dirs = [programDir, created.workDir, created.backendDir];
  await stack.setAllConfig({
    "secgroups:endpoint": { value: core.endpoint },
    "secgroups:token": { value: core.token, secret: true },
  });
}, 30 * 60_000);

afterAll(async () => {
  await core?.close();
  removeDirs(...dirs);
});

describe("pulumi CLI with look-ups", () => {
  it("up uses the looked-up prefix list's id and the baseline's rules in a new group", async () => {
    const result = await stack.up();
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.officeId.value).toBe(office);
    expect(result.outputs.officeCidrs.value).toEqual(["203.0.113.0/24"]);
    expect(result.outputs.edgePlatform.value).toBe("routeros");
    const group = await core.api("GET", `/vpc/security-groups/${String(result.outputs.groupId.value)}`);
    expect(group.body.rules.map((r: { order: number; address: string }) => [r.order, r.address])).toEqual([
      [10, office],
      [100, "0.0.0.0/0"],
    ]);
  });

  it("a preview right after up shows no changes", async () => {
    const preview = await stack.preview();
    expect(preview.changeSummary).toEqual({ same: 2 });
  });

  it("destroy removes the group it made and leaves what it only looked up", async () => {
    await stack.destroy();
    const groups = (await core.api("GET", "/vpc/security-groups")).body as { name: string }[];
    expect(groups.map((g) => g.name)).toEqual(["baseline"]);
    expect((await core.api("GET", `/vpc/prefix-lists/${office}`)).status).toBe(200);
  });
});
