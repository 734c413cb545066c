/* eslint-disable @typescript-eslint/no-explicit-any -- API responses and Pulumi state are untyped JSON in tests */
/**
 * The example stack (examples/pulumi-web) through the real Pulumi CLI
 * (Automation API, file:// backend). Where this process may create network
 * namespaces (root), the core runs in one and each site's real `secgroups
 * agent` in its own, loading the policy into nftables (test/support/pulumi-netns).
 * Elsewhere the core runs in-process and the sites' agents are the lightweight
 * reporting agent of test/support/pulumi-core, which confirms revisions
 * through the agent API without touching a kernel.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { ReportingAgent, startCore } from "../support/pulumi-core";
import { netnsAvailable, startNetnsLab } from "../support/pulumi-netns";
import { buildPackage, createStack, ensurePulumi, removeDirs, REPO, tempDir } from "../support/pulumi-cli";

jest.setTimeout(5 * 60_000);

const PROJECT = "secgroups-web";
/** web-1's declared address (config webAddresses): what the database's rule naming the web group matches. */
const WEB_ADDRESS = "10.0.1.10";
/** The real agent in network namespaces, unless unavailable or SECGROUPS_PULUMI_REPORTING_AGENT=1. */
const REAL_AGENTS = netnsAvailable() && process.env.SECGROUPS_PULUMI_REPORTING_AGENT !== "1";

interface Lab {
  endpoint: string;
  token: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  startAgent(site: string, siteToken: string): void;
  /** What the site enforces, when its agent is real: `nft list ruleset` in its namespace. */
  ruleset?(site: string): string;
  sitesConfirmed(): string[];
  close(): Promise<void>;
}

async function startLab(): Promise<Lab> {
  if (REAL_AGENTS) {
    const lab = await startNetnsLab(["web-1", "db-1"]);
    return { ...lab, sitesConfirmed: () => [] };
  }
  const core = await startCore({ syncTimeoutMs: 120_000 });
  const agent = new ReportingAgent(core.endpoint);
  return {
    endpoint: core.endpoint,
    token: core.token,
    api: core.api,
    startAgent: (_site, siteToken) => agent.add(siteToken),
    sitesConfirmed: () => [...new Set(agent.applied.map((a) => a.site))],
    async close() {
      await agent.stop();
      await core.close();
    },
  };
}

let core: Lab;
let stack: Stack;
let dirs: string[] = [];
let tokenDir: string;
let backendDir: string;
let watcher: NodeJS.Timeout;

/** Site name -> agent token, as the example program wrote them. */
function siteTokenFiles(): Map<string, string> {
  const files = fs.existsSync(tokenDir) ? fs.readdirSync(tokenDir).filter((f) => f.endsWith(".token")) : [];
  return new Map(files.map((f) => [f.slice(0, -".token".length), fs.readFileSync(path.join(tokenDir, f), "utf8")]));
}

function siteTokens(): string[] {
  return [...siteTokenFiles().values()];
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

async function group(id: string) {
  const found = await core.api("GET", `/vpc/security-groups/${id}`);
  expect(found.status).toBe(200);
  return found.body as {
    id: string;
    status: string;
    description: string;
    rules: { id: string; order: number; port: string; address: string }[];
  };
}

beforeAll(async () => {
  ensurePulumi();
  buildPackage();
  core = await startLab();
  tokenDir = path.join(tempDir("sg-pulumi-tokens-"), "tokens");
  // Agents start as soon as `up` has created their site and the program wrote its token.
  watcher = setInterval(() => siteTokenFiles().forEach((token, site) => core.startAgent(site, token)), 100);
  const created = await createStack({ program: path.join(REPO, "examples/pulumi-web/index.ts"), project: PROJECT });
  stack = created.stack;
  backendDir = created.backendDir;
  dirs = [created.workDir, created.backendDir, path.dirname(tokenDir)];
  await stack.setAllConfig({
    "secgroups:endpoint": { value: core.endpoint },
    "secgroups:token": { value: core.token, secret: true },
    [`${PROJECT}:agentTokenDir`]: { value: tokenDir },
    [`${PROJECT}:webAddresses`]: { value: JSON.stringify([`${WEB_ADDRESS}/32`]) },
  });
}, 30 * 60_000);

afterAll(async () => {
  clearInterval(watcher);
  await core?.close();
  removeDirs(...dirs);
});

describe(`pulumi CLI with the example web tier (${REAL_AGENTS ? "real agents in network namespaces" : "reporting agents"})`, () => {
  it("up creates the sites, the prefix list and both groups, waiting until the agents confirm", async () => {
    const result = await stack.up();
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ create: 6 });
    expect(result.outputs.webStatus.value).toBe("active");
    expect(result.outputs.databaseStatus.value).toBe("active");
    expect((await group(result.outputs.webGroupId.value)).status).toBe("active");
    const siteIds = result.outputs.siteIds.value as Record<string, string>;
    // PostgreSQL from the members of the web group: the rule names the group, and
    // db-1's compiled policy holds web-1's declared address.
    const database = await group(result.outputs.databaseGroupId.value);
    expect(database.rules.find((r) => r.order === 10)).toMatchObject({ port: "5432", address: result.outputs.webGroupId.value });
    const policy = (await core.api("GET", `/vpc/sites/${siteIds["db-1"]}/policy`)).body as {
      compiled: { platform: string; text: string }[];
    };
    expect(policy.compiled.find((c) => c.platform === "nftables")?.text).toContain(WEB_ADDRESS);
    if (core.ruleset) {
      // The kernels of both sites enforce what the stack says.
      expect(core.ruleset("web-1")).toMatch(/\b443\b/);
      expect(core.ruleset("db-1")).toMatch(/\b5432\b/);
      expect(core.ruleset("db-1")).toContain(WEB_ADDRESS);
    } else {
      expect(new Set(core.sitesConfirmed())).toEqual(new Set(Object.values(siteIds)));
    }
    for (const id of Object.values(siteIds)) {
      const site = (await core.api("GET", `/vpc/sites/${id}`)).body;
      expect(site.applied_revision).toBe(site.desired_revision);
    }
  });

  it("preview right after up shows no changes", async () => {
    const preview = await stack.preview();
    expect(preview.changeSummary).toEqual({ same: 6 });
  });

  it("changing one rule's port updates that group in place, keeping its rule ids", async () => {
    const webId = (await stack.outputs()).webGroupId.value as string;
    const before = await group(webId);
    await stack.setConfig(`${PROJECT}:webPorts`, { value: "80, 8443" });

    const preview = await stack.preview({ diff: true });
    expect(preview.changeSummary).toEqual({ update: 1, same: 5 });
    expect(preview.stdout).toMatch(/port\s*:\s*"80,443" => "80,8443"/);

    const result = await stack.up();
    expect(result.summary.resourceChanges).toEqual({ update: 1, same: 5 });
    const after = await group(webId);
    expect(after.id).toBe(webId);
    expect(after.status).toBe("active");
    expect(after.rules.find((r) => r.order === 10)?.port).toBe("80,8443");
    expect(after.rules.map((r) => r.id)).toEqual(before.rules.map((r) => r.id));
    if (core.ruleset) expect(core.ruleset("web-1")).toMatch(/\b8443\b/);
    expect((await stack.preview()).changeSummary).toEqual({ same: 6 });
  });

  it("a change made through the API shows up after refresh, and the next up puts it back", async () => {
    const dbId = (await stack.outputs()).databaseGroupId.value as string;
    const current = await group(dbId);
    const { id: _id, status: _s, ...rest } = current as unknown as Record<string, unknown>;
    void _id;
    void _s;
    const rules = (current.rules as unknown as Record<string, unknown>[]).map(({ id: _r, ...r }) =>
      r.order === 10 ? { ...r, port: "5433" } : r,
    );
    const put = await core.api("PUT", `/vpc/security-groups/${dbId}`, {
      name: rest.name,
      description: "opened by hand",
      rules,
      sites: rest.sites,
    });
    expect(put.status).toBe(200);

    const refresh = await stack.refresh();
    expect(refresh.summary.resourceChanges?.update).toBe(1);
    const state = (await stack.exportStack()).deployment as { resources: { id?: string; outputs?: Record<string, any> }[] };
    const db = state.resources.find((r) => r.id === dbId)!;
    expect(db.outputs?.description).toBe("opened by hand");
    expect(db.outputs?.rules.find((r: { order: number }) => r.order === 10).port).toBe("5433");

    const preview = await stack.preview({ diff: true });
    expect(preview.changeSummary).toEqual({ update: 1, same: 5 });
    expect(preview.stdout).toMatch(/"5433" => "5432"/);
    await stack.up();
    const restored = await group(dbId);
    expect(restored.description).toBe("PostgreSQL: only from the web tier; SSH from the office");
    expect(restored.rules.find((r) => r.order === 10)?.port).toBe("5432");
  });

  it("keeps no plain-text token anywhere in the backend (state, backups, history), and a small provider closure", async () => {
    const tokens = siteTokens();
    expect(tokens).toHaveLength(2);
    const files = filesUnder(backendDir);
    expect(files.some((f) => f.endsWith(".json") && f.includes(`stacks${path.sep}${PROJECT}`))).toBe(true);
    for (const file of files) {
      const text = fs.readFileSync(file, "latin1");
      expect(text).not.toContain(core.token);
      for (const token of tokens) expect(text).not.toContain(token);
    }

    const onDisk = JSON.parse(fs.readFileSync(path.join(backendDir, ".pulumi/stacks", PROJECT, "test.json"), "utf8")).checkpoint.latest as {
      resources: { type: string; inputs?: Record<string, any>; outputs?: Record<string, any> }[];
    };
    // The site token is an encrypted secret; the API token appears only as the
    // engine's encrypted copy of the stack config in the dynamic provider's inputs.
    const site = onDisk.resources.find((r) => r.type === "pulumi-nodejs:dynamic/secgroups:Site")!;
    expect(site.outputs?.token).toEqual(expect.objectContaining({ ciphertext: expect.any(String) }));
    const provider = onDisk.resources.find((r) => r.type === "pulumi:providers:pulumi-nodejs")!;
    expect(provider.inputs?.["secgroups:token"]).toEqual(expect.objectContaining({ ciphertext: expect.any(String) }));

    const closures = onDisk.resources.filter((r) => r.inputs?.__provider).map((r) => r.inputs!.__provider as string);
    expect(closures).toHaveLength(5);
    for (const closure of closures) {
      expect(closure.length).toBeLessThan(8_000);
      expect(closure).not.toMatch(/axios|Bearer|eyJ/);
    }
  });

  it("destroy removes every resource from the API", async () => {
    const result = await stack.destroy();
    expect(result.summary.resourceChanges).toEqual({ delete: 6 });
    for (const route of ["/vpc/security-groups", "/vpc/prefix-lists", "/vpc/sites"]) {
      expect((await core.api("GET", route)).body).toEqual([]);
    }
  });

  it("finds the provider through the secgroups/pulumi package when the path in the state is gone", () => {
    // What the dynamic-provider process does with a state written by another checkout.
    const script = `
      const { runtime } = require("@pulumi/pulumi");
      const { dynamicProvider } = require("./dist/provider/pulumi/provider.js");
      const serialized = dynamicProvider("site");
      runtime.serializeFunction(() => serialized, { allowSecrets: true }).then(async (sf) => {
        const moved = sf.text.split(JSON.stringify(require.resolve("./dist/provider/pulumi/handlers.js"))).join('"/gone/handlers.js"');
        if (moved === sf.text) throw new Error("no handlers path in the closure");
        const provider = require("require-from-string")(moved).handler();
        console.log(JSON.stringify(await provider.check({}, { name: "edge", platform: "nftables" })));
      });`;
    const result = spawnSync(process.execPath, ["-e", script], { cwd: REPO, encoding: "utf8" });
    expect({ status: result.status, stderr: result.status === 0 ? "" : result.stderr }).toEqual({ status: 0, stderr: "" });
    // Defaults filled by check: host mode, no declared addresses (the agent's reported ones count).
    expect(JSON.parse(result.stdout)).toEqual({
      inputs: { name: "edge", platform: "nftables", mode: "host", addresses: [] },
      failures: [],
    });
  });
});
