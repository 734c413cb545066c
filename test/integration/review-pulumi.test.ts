/**
 * `secgroups review` and the policy pack on real `pulumi preview --json`
 * output: the example stack (examples/pulumi-web) is brought up through the
 * real Pulumi CLI against an in-process core (sites confirmed by a reporting
 * agent), then previewed as it is and as a modified copy that opens SSH on the
 * web group to the world and adds a rule on a new prefix list.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { ReportingAgent, startCore, type Core } from "../support/pulumi-core";
import { buildPackage, createStack, ensurePulumi, removeDirs, REPO, tempDir } from "../support/pulumi-cli";
import { runReview } from "../fixtures/review/run-review";

jest.setTimeout(10 * 60_000);

const PROJECT = "secgroups-web";
const EXAMPLE = path.join(REPO, "examples/pulumi-web/index.ts");

let core: Core;
let agent: ReportingAgent;
let stack: Stack;
let workDir: string;
let dirs: string[] = [];
let watcher: NodeJS.Timeout;
let basePreview: string;
let headPreview: string;
let headProgram: string;

/** The example with the web group's SSH rule opened to the world and a partners rule on a new prefix list. */
function modifiedExample(): string {
  let source = fs.readFileSync(EXAMPLE, "utf8");
  const replace = (from: string, to: string) => {
    if (!source.includes(from)) throw new Error(`examples/pulumi-web/index.ts changed: cannot find ${JSON.stringify(from)}`);
    source = source.replace(from, to);
  };
  replace(
    'address: office.id, description: "SSH from the office" }',
    'address: "0.0.0.0/0", description: "SSH from anywhere" },\n    { direction: "inbound", order: 25, protocol: 6, port: "8080", address: partners.id, description: "partners API" }',
  );
  replace(
    'const web = new SecurityGroup("web", {',
    'const partners = new PrefixList("partners", { name: "partners", prefixes: [{ cidr: "192.0.2.0/25" }, { cidr: "192.0.2.128/25" }] });\n\nconst web = new SecurityGroup("web", {',
  );
  // Outside the repo, "secgroups/pulumi" and "@pulumi/pulumi" resolve through links to the checkout.
  const dir = tempDir("sg-review-program-");
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(REPO, path.join(dir, "node_modules/secgroups"));
  fs.symlinkSync(path.join(REPO, "node_modules/@pulumi"), path.join(dir, "node_modules/@pulumi"));
  fs.writeFileSync(path.join(dir, "index.ts"), source);
  dirs.push(dir);
  return path.join(dir, "index.ts");
}

/** Points the project at a program and runs the CLI there (asynchronously: the core answers from this process). */
async function pulumi(program: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const yaml = path.join(workDir, "Pulumi.yaml");
  fs.writeFileSync(yaml, fs.readFileSync(yaml, "utf8").replace(/^main: .*$/m, `main: ${path.relative(workDir, program)}`));
  const env = { ...process.env, ...(stack.workspace as LocalWorkspace).envVars };
  try {
    const { stdout, stderr } = await promisify(execFile)("pulumi", [...args, "--stack", "test", "--non-interactive"], {
      cwd: workDir,
      env,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: Number(err.code ?? 1), stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

async function previewJson(program: string, file: string): Promise<string> {
  const result = await pulumi(program, "preview", "--json", "--show-sames");
  if (result.code !== 0) throw new Error(`pulumi preview --json failed:\n${result.stdout}\n${result.stderr}`);
  const out = path.join(workDir, file);
  fs.writeFileSync(out, result.stdout);
  return out;
}

beforeAll(async () => {
  ensurePulumi();
  buildPackage();
  core = await startCore({ syncTimeoutMs: 120_000 });
  agent = new ReportingAgent(core.endpoint);
  const tokenDir = path.join(tempDir("sg-review-tokens-"), "tokens");
  watcher = setInterval(() => {
    if (!fs.existsSync(tokenDir)) return;
    for (const f of fs.readdirSync(tokenDir)) agent.add(fs.readFileSync(path.join(tokenDir, f), "utf8"));
  }, 100);
  const created = await createStack({ program: EXAMPLE, project: PROJECT });
  stack = created.stack;
  workDir = created.workDir;
  dirs = [created.workDir, created.backendDir, path.dirname(tokenDir)];
  await stack.setAllConfig({
    "secgroups:endpoint": { value: core.endpoint },
    "secgroups:token": { value: core.token, secret: true },
    [`${PROJECT}:agentTokenDir`]: { value: tokenDir },
  });
  const up = await stack.up();
  expect(up.summary.result).toBe("succeeded");
  headProgram = modifiedExample();
  basePreview = await previewJson(EXAMPLE, "base.preview.json");
  headPreview = await previewJson(headProgram, "head.preview.json");
}, 30 * 60_000);

afterAll(async () => {
  clearInterval(watcher);
  await agent?.stop();
  await core?.close();
  removeDirs(...dirs);
});

const NEW_SSH = "- newly allowed: tcp/22 from 0.0.0.0/0 except 198.51.100.0/24, 203.0.113.0/28 to site web-1";
const NEW_PARTNERS = "- newly allowed: tcp/8080 from 192.0.2.0/24 to site web-1";

describe("secgroups review on real pulumi preview --json", () => {
  it("one preview: the deployed stack against the modified program, the new list resolved through propertyDependencies", async () => {
    const { code, output } = await runReview([headPreview]);
    expect(code).toBe(0);
    expect(output).toContain(NEW_SSH);
    expect(output).toContain(NEW_PARTNERS);
    expect(output.match(/^- (newly|no longer) allowed/gm)).toHaveLength(2);
    expect(output).toContain("| added | 25 | inbound | tcp/8080 | prefix list partners (new) | accept | partners API |");
    expect(output).toMatch(/\| changed \| 20 \| inbound \| tcp\/22 \| ~~prefix list office~~ → 0\.0\.0\.0\/0 \|/);
    expect(output).toContain("web, rule 25: address is the id of new prefix list partners (its only new dependency)");
    expect(output).toMatch(/\| \*\*high\*\* \| Secure Shell \(tcp\/22\) is open to the world .*"web" rule 20.*\| web-1 \| new \|/);
  });

  it("two previews (base and head programs) give the same effective change", async () => {
    const { code, output } = await runReview([basePreview, headPreview, "--fail-on", "high"]);
    expect(code).toBe(1);
    expect(output).toContain(NEW_SSH);
    expect(output).toContain(NEW_PARTNERS);
  });

  it("the unchanged stack's preview is no change, and passes --fail-on high", async () => {
    const { code, output } = await runReview([basePreview, "--fail-on", "high"]);
    expect(code).toBe(0);
    expect(output).toContain("**No change.**");
  });
});

describe("the policy pack in a real pulumi preview", () => {
  it("blocks the world-open SSH rule before anything is deployed", async () => {
    const result = await pulumi(headProgram, "preview", "--policy-pack", path.join(REPO, "policy"));
    const text = result.stdout + result.stderr;
    expect(result.code).not.toBe(0);
    expect(text).toContain("[mandatory]  secgroups-high");
    expect(text).toMatch(/\[world-open-admin-port\] Secure Shell \(tcp\/22\) is open to the world \(0\.0\.0\.0\/0\) by "web" rule 20/);
    // Nothing was deployed: the web group still allows SSH from the office only.
    const groups = (await core.api("GET", "/vpc/security-groups")).body as { name: string; rules: { order: number; address: string }[] }[];
    expect(groups.find((g) => g.name === "web")!.rules.find((r) => r.order === 20)!.address).toMatch(/^prfx_lst_/);
  });

  it("lets the example stack as written through", async () => {
    const result = await pulumi(EXAMPLE, "preview", "--policy-pack", path.join(REPO, "policy"));
    expect(result.stdout + result.stderr).not.toContain("[mandatory]");
    expect(result.code).toBe(0);
  });
});
