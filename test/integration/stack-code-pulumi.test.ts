/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON in tests */
/**
 * The Pulumi programs `secgroups import --pulumi` and `secgroups export
 * --pulumi` print, run as a user runs them: type-checked against
 * secgroups/pulumi by the real Pulumi CLI's TypeScript host (file:// backend),
 * against one core in this process, one organization per case. Imported code
 * must come up and then preview no change; exported code must adopt every
 * object (no copies, nothing changed) and then preview no change.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { buildPackage, createStack, ensurePulumi, removeDirs, writeProgram } from "../support/pulumi-cli";
import { ReportingAgent, startCore, type Core } from "../support/pulumi-core";
import { ROOT, tempDir } from "../support/secgroups";
import { awsGroups, expectHolds, organization, stackCode, type Organization } from "../support/stack-code";

jest.setTimeout(10 * 60_000);

const WEB01 = path.join(ROOT, "test", "fixtures", "import", "web-01.nft");

let core: Core;
const dirs: string[] = [];

beforeAll(async () => {
  ensurePulumi();
  buildPackage();
  core = await startCore();
}, 30 * 60_000);

afterAll(async () => {
  await core?.close();
  removeDirs(...dirs);
});

/** A stack running `code` as its program, for `org` (endpoint and token from the provider's environment variables). */
async function stackFor(name: string, org: Organization, code: string): Promise<Stack> {
  const programDir = writeProgram(`sg-stack-code-${name}-`, code);
  const created = await createStack({
    program: path.join(programDir, "index.ts"),
    project: `secgroups-${name}`,
    env: { SECGROUPS_ENDPOINT: core.endpoint, SECGROUPS_TOKEN: org.token },
  });
  dirs.push(programDir, created.workDir, created.backendDir);
  return created.stack;
}

/** A preview that would change nothing: every resource the same. */
async function expectNoChanges(stack: Stack): Promise<void> {
  const preview = await stack.preview();
  const changes = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
  expect({ changes, stdout: changes.length ? preview.stdout : "" }).toEqual({ changes: [], stdout: "" });
}

describe("secgroups import --pulumi", () => {
  it("a hand-written nftables file: up creates what the import says; a second preview changes nothing", async () => {
    const org = organization(core, "pulumi-import-nft");
    const stack = await stackFor("import-nft", org, await stackCode(["import", "--from", "nft", WEB01, "--pulumi"], 3));
    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");
    await expectHolds(org, await stackCode(["import", "--from", "nft", WEB01], 3));
    await expectNoChanges(stack);
  });

  it("AWS groups: a group named before it is declared is created first and named by its id; a group naming itself says self", async () => {
    const org = organization(core, "pulumi-import-aws");
    const dir = tempDir("sg-aws-json-");
    dirs.push(dir);
    const file = path.join(dir, "groups.json");
    fs.writeFileSync(file, awsGroups(false));
    const stack = await stackFor("import-aws", org, await stackCode(["import", "--from", "aws", file, "--pulumi"]));
    expect((await stack.up()).summary.result).toBe("succeeded");
    await expectHolds(org, await stackCode(["import", "--from", "aws", file]));
    const groups: any[] = await org.get("/vpc/security-groups");
    const web = groups.find((g) => g.name === "webserver");
    const tcp = (name: string) => groups.find((g) => g.name === name).rules.filter((r: any) => r.protocol === 6);
    expect(tcp("database").map((r: any) => [r.port, r.address])).toEqual([["5432", web.id]]);
    // The web group's rule from itself (written self in the program) is stored as its own id.
    expect(tcp("webserver").map((r: any) => [r.port, r.address])).toEqual([
      ["443", "0.0.0.0/0"],
      ["9000", web.id],
    ]);
    await expectNoChanges(stack);
  });
});

describe("secgroups export --pulumi", () => {
  let agents: ReportingAgent | undefined;
  afterAll(() => agents?.stop());

  it("adopts every object of an organization: no copies, nothing changed; then previews no change", async () => {
    const org = organization(core, "pulumi-export");
    // Names that are no identifiers, every platform, declared addresses of both families.
    const db = await org.post("/vpc/sites", { name: "db primary", platform: "routeros", addresses: ["10.2.0.7/32", "2001:db8::7/128"] });
    const web = await org.post("/vpc/sites", { name: "web.2", platform: "iptables", mode: "router" });
    const partners = await org.post("/vpc/prefix-lists", {
      name: "partners",
      description: 'say "hi" \\ ${x}',
      prefixes: [{ cidr: "198.51.100.0/24", description: "partner A" }, { cidr: "2001:db8:1::/48" }],
      sites: [db.id],
    });
    const webGroup = await org.post("/vpc/security-groups", {
      name: "web",
      rules: [{ direction: "inbound", order: 1, protocol: 6, port: "443", address: "0.0.0.0/0", description: "https" }],
      sites: [web.id],
    });
    const dbGroup = await org.post("/vpc/security-groups", {
      name: "database",
      rules: [
        { direction: "inbound", order: 1, protocol: 6, port: "5432", address: webGroup.id, description: "app to db" },
        { direction: "inbound", order: 2, protocol: 6, port: "5432", address: partners.id, description: "partners" },
        { direction: "inbound", order: 3, protocol: 1, port: "", address: "10.0.0.0/8", description: "any ICMP" },
      ],
      sites: [db.id],
    });
    // A group naming itself (replicas talking to each other) and the web group naming the database back: a cycle.
    await org.put(`/vpc/security-groups/${dbGroup.id}`, {
      name: "database",
      rules: [
        ...dbGroup.rules.map(({ id: _id, ...r }: any) => r),
        { direction: "inbound", order: 4, protocol: 6, port: "5433", address: dbGroup.id, description: "replication" },
      ],
      sites: [db.id],
    });
    await org.put(`/vpc/security-groups/${webGroup.id}`, {
      name: "web",
      rules: [
        ...webGroup.rules.map(({ id: _id, ...r }: any) => r),
        { direction: "inbound", order: 2, protocol: 6, port: "9000", address: dbGroup.id, description: "callbacks" },
      ],
      sites: [web.id],
    });
    // What adopting must leave as it was (status and versions move with each write; the objects must not).
    const objects = async () => {
      const stored = ({ status: _s, pending_sites: _p, sync_errors: _e, version: _v, updated_at: _u, ...object }: any) => object;
      return {
        sites: (await org.get("/vpc/sites")).map(stored),
        lists: (await org.get("/vpc/prefix-lists")).map(stored),
        groups: (await org.get("/vpc/security-groups")).map(stored),
      };
    };
    // Adopting writes each object as the code says it, and the provider waits until the sites apply:
    // agents that report every revision applied (started after the setup, whose writes they would lock).
    agents = new ReportingAgent(core.endpoint);
    agents.add(db.token);
    agents.add(web.token);
    for (const p of ["/vpc/prefix-lists", "/vpc/security-groups"])
      while ((await org.get(p)).some((o: any) => o.status !== "active")) await new Promise((r) => setTimeout(r, 100));
    const before = await objects();
    const code = await stackCode(["export", "--pulumi", ...org.auth]);
    const stack = await stackFor("export", org, code);
    expect((await stack.up()).summary.result).toBe("succeeded");
    expect(await objects()).toEqual(before);
    await expectNoChanges(stack);
  });
});
