/**
 * A WebServerGroup component through the real Pulumi CLI (Automation API,
 * file:// backend) against an in-process core: `up` creates the group and the
 * admins prefix list as the component's children, the API holds the expanded
 * rules (a rule from `self` as the group's own id), a second preview is
 * clean (state says `self` too), `destroy` removes both.
 *
 * The program is written to a temp dir whose node_modules links to the repo's
 * packages and links `secgroups` to the repo itself, so it imports the built
 * package by its public name, `secgroups/pulumi`, and is type-checked against
 * the published declarations.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { ReportingAgent, startCore, type Core } from "../support/pulumi-core";
import { buildPackage, createStack, ensurePulumi, removeDirs, tempDir, writeProgram } from "../support/pulumi-cli";

jest.setTimeout(5 * 60_000);

const PROJECT = "secgroups-components";

const PROGRAM = `
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Port, Site, WebServerGroup } from "secgroups/pulumi";

const config = new pulumi.Config();
const sites = config.getBoolean("withSite") ? [new Site("web-1", { name: "web-1", platform: "nftables" })] : [];
const web = new WebServerGroup("web", {
  name: "web",
  description: "storefront",
  adminSources: ["203.0.113.0/24", "198.51.100.7/32"],
  sshPort: config.get("sshPort") ?? "22",
  sites,
});
web.allowInbound({ protocol: 6, port: "8443", address: web.prefixLists.admins, description: "admin console" });
// The web servers among themselves: the rule says self (the group's own id is an output of this very resource).
web.allowInternally(Port.tcp(9100), "metrics between web servers");

// Hands each site's agent token to the test's agent while \`up\` waits for it.
const agentTokenDir = config.require("agentTokenDir");
for (const site of sites) {
  site.token.apply((token) => fs.writeFileSync(path.join(agentTokenDir, "web-1.token"), token, { mode: 0o600 }));
}

export const groupId = web.id;
export const status = web.status;
export const adminsId = web.prefixLists.admins.id;
export const componentUrn = web.urn;
export const siteIds = sites.map((site) => site.id);
`;

interface ApiRule {
  direction: string;
  order: number;
  protocol: number;
  port: string;
  address: string;
  description: string;
}

let core: Core;
let agent: ReportingAgent;
let stack: Stack;
let dirs: string[] = [];
let tokenDir: string;
let watcher: NodeJS.Timeout;

beforeAll(async () => {
  ensurePulumi();
  buildPackage();
  core = await startCore({ syncTimeoutMs: 60_000 });
  agent = new ReportingAgent(core.endpoint);
  tokenDir = tempDir("sg-pulumi-components-tokens-");
  // The agent starts as soon as `up` has created the site and the program wrote its token.
  watcher = setInterval(() => fs.readdirSync(tokenDir).forEach((f) => agent.add(fs.readFileSync(path.join(tokenDir, f), "utf8"))), 100);
  const programDir = writeProgram("sg-pulumi-components-program-", PROGRAM);
  const created = await createStack({ program: path.join(programDir, "index.ts"), project: PROJECT });
  stack = created.stack;
  dirs = [programDir, created.workDir, created.backendDir, tokenDir];
  await stack.setAllConfig({
    "secgroups:endpoint": { value: core.endpoint },
    "secgroups:token": { value: core.token, secret: true },
    [`${PROJECT}:agentTokenDir`]: { value: tokenDir },
  });
}, 30 * 60_000);

afterAll(async () => {
  clearInterval(watcher);
  await agent?.stop();
  await core?.close();
  removeDirs(...dirs);
});

describe("pulumi CLI with a WebServerGroup component", () => {
  it("preview before the first up shows every expanded rule, with only the new prefix list's id unknown", async () => {
    const preview = await stack.preview({ diff: true });
    expect(preview.changeSummary).toEqual({ create: 4 });
    const text = preview.stdout;
    expect(text).toContain("SSH from admins");
    expect(text).toContain("admin console");
    // Rule by rule: ports and orders known, the address unknown only where it is the new list's id.
    expect(text).toMatch(/address\s*:\s*"0\.0\.0\.0\/0"\s*description\s*:\s*"HTTP from anywhere"[^}]*order\s*:\s*10\s*port\s*:\s*"80"/);
    expect(text).toMatch(/address\s*:\s*"::\/0"\s*description\s*:\s*"HTTP from anywhere \(IPv6\)"[^}]*order\s*:\s*30\s*port\s*:\s*"80"/);
    expect(text).toMatch(/address\s*:\s*\[unknown\]\s*description\s*:\s*"SSH from admins"[^}]*order\s*:\s*50\s*port\s*:\s*"22"/);
    expect(text).toMatch(/address\s*:\s*\[unknown\]\s*description\s*:\s*"admin console"[^}]*order\s*:\s*60\s*port\s*:\s*"8443"/);
    expect(text).toMatch(/address\s*:\s*"self"\s*description\s*:\s*"metrics between web servers"[^}]*order\s*:\s*70\s*port\s*:\s*"9100"/);
  });

  it("up creates the admins prefix list and the group as children of the component, with the expanded rules in the API", async () => {
    const result = await stack.up();
    expect(result.summary.result).toBe("succeeded");
    // The stack, the component, its prefix list and its group.
    expect(result.summary.resourceChanges).toEqual({ create: 4 });
    // No sites: active as soon as it is stored.
    expect(result.outputs.status.value).toBe("active");
    const groupId = result.outputs.groupId.value as string;
    const adminsId = result.outputs.adminsId.value as string;
    expect(groupId).toMatch(/^sec_grp_/);
    expect(adminsId).toMatch(/^prfx_lst_/);

    const group = await core.api("GET", `/vpc/security-groups/${groupId}`);
    expect(group.status).toBe(200);
    expect(group.body).toMatchObject({ name: "web", description: "storefront", sites: [], status: "active" });
    expect((group.body.rules as ApiRule[]).map((r) => [r.direction, r.order, r.protocol, r.port, r.address, r.description])).toEqual([
      ["inbound", 10, 6, "80", "0.0.0.0/0", "HTTP from anywhere"],
      ["inbound", 20, 6, "443", "0.0.0.0/0", "HTTPS from anywhere"],
      ["inbound", 30, 6, "80", "::/0", "HTTP from anywhere (IPv6)"],
      ["inbound", 40, 6, "443", "::/0", "HTTPS from anywhere (IPv6)"],
      ["inbound", 50, 6, "22", adminsId, "SSH from admins"],
      ["inbound", 60, 6, "8443", adminsId, "admin console"],
      // Stored as the group's own id, in the same create.
      ["inbound", 70, 6, "9100", groupId, "metrics between web servers"],
      ["outbound", 80, 0, "", "0.0.0.0/0", "Allow all outbound traffic"],
      ["outbound", 90, 0, "", "::/0", "Allow all outbound IPv6 traffic"],
    ]);
    const admins = await core.api("GET", `/vpc/prefix-lists/${adminsId}`);
    expect(admins.status).toBe(200);
    expect(admins.body).toMatchObject({ name: "web-admins", description: "Administrators allowed to SSH into web" });
    expect((admins.body.prefixes as { cidr: string }[]).map((p) => p.cidr)).toEqual(["203.0.113.0/24", "198.51.100.7/32"]);

    const state = (await stack.exportStack()).deployment as { resources: { urn: string; type: string; id?: string; parent?: string }[] };
    const componentUrn = result.outputs.componentUrn.value as string;
    expect(state.resources.find((r) => r.urn === componentUrn)?.type).toBe("secgroups:patterns:WebServerGroup");
    const children = state.resources.filter((r) => r.parent === componentUrn);
    expect(children.map((r) => [r.type, r.id]).sort()).toEqual([
      ["pulumi-nodejs:dynamic/secgroups:PrefixList", adminsId],
      ["pulumi-nodejs:dynamic/secgroups:SecurityGroup", groupId],
    ]);
  });

  it("preview right after up shows no changes, nor after a refresh (read shows the group's own id as self)", async () => {
    const preview = await stack.preview();
    expect(preview.changeSummary).toEqual({ same: 4 });
    const refreshed = await stack.refresh();
    expect(refreshed.summary.resourceChanges).toEqual({ same: 4 });
    expect((await stack.preview()).changeSummary).toEqual({ same: 4 });
  });

  it("changing a pattern prop updates the group in place", async () => {
    const groupId = (await stack.outputs()).groupId.value as string;
    await stack.setConfig(`${PROJECT}:sshPort`, { value: "2222" });
    const preview = await stack.preview({ diff: true });
    expect(preview.changeSummary).toEqual({ update: 1, same: 3 });
    expect(preview.stdout).toMatch(/port\s*:\s*"22" => "2222"/);

    const result = await stack.up();
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 3 });
    expect(result.outputs.groupId.value).toBe(groupId);
    const group = await core.api("GET", `/vpc/security-groups/${groupId}`);
    expect((group.body.rules as ApiRule[]).find((r) => r.order === 50)?.port).toBe("2222");
  });

  it("attaching a Site resource updates the group, which turns active once the site's agent applies it", async () => {
    const groupId = (await stack.outputs()).groupId.value as string;
    await stack.setConfig(`${PROJECT}:withSite`, { value: "true" });
    const result = await stack.up();
    expect(result.summary.resourceChanges).toEqual({ create: 1, update: 1, same: 3 });
    const [siteId] = result.outputs.siteIds.value as string[];
    expect(siteId).toMatch(/^site_/);
    expect(result.outputs.status.value).toBe("active");
    const group = await core.api("GET", `/vpc/security-groups/${groupId}`);
    expect(group.body).toMatchObject({ sites: [siteId], status: "active" });
    expect(agent.applied.map((a) => a.site)).toContain(siteId);
    expect((await stack.preview()).changeSummary).toEqual({ same: 5 });
  });

  it("destroy removes the group, the prefix list and the site from the API", async () => {
    const result = await stack.destroy();
    expect(result.summary.resourceChanges).toEqual({ delete: 5 });
    for (const route of ["/vpc/security-groups", "/vpc/prefix-lists", "/vpc/sites"]) {
      expect((await core.api("GET", route)).body).toEqual([]);
    }
  });
});
