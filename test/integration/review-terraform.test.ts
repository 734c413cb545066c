/**
 * `secgroups review` on real `terraform show -json` output: the Terraform
 * provider (scripts/build-terraform-provider.sh, filesystem mirror) applies
 * test/fixtures/review/terraform-stack/base.tf against an in-process core
 * whose sites are confirmed by a reporting agent, then plans head.tf.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ReportingAgent, startCore, type Core } from "../support/pulumi-core";
import { runReview } from "../fixtures/review/run-review";
import { terraform, terraformCli, terraformEnv, type TerraformCli } from "../support/terraform";

const ROOT = path.resolve(__dirname, "../..");
const STACK = path.join(ROOT, "test/fixtures/review/terraform-stack");
jest.setTimeout(15 * 60_000);

let core: Core;
let agent: ReportingAgent;
let dir: string;
let env: NodeJS.ProcessEnv;
let cli: TerraformCli;

/** Asynchronous: the core answers terraform from this very process. */
const tf = (...args: string[]) => terraform(cli, dir, env, ...args);

function useConfig(file: string): void {
  fs.copyFileSync(path.join(STACK, file), path.join(dir, "main.tf"));
}

beforeAll(async () => {
  cli = terraformCli();
  core = await startCore({ syncTimeoutMs: 120_000 });
  agent = new ReportingAgent(core.endpoint);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-review-tf-"));
  env = terraformEnv(cli, core.endpoint, core.token);

  useConfig("base.tf");
  await tf("init", "-input=false", "-no-color");
  // Sites first, so their agents confirm the groups' revisions during the full apply.
  await tf("apply", "-auto-approve", "-input=false", "-no-color", "-target=secgroups_site.web1", "-target=secgroups_site.web2");
  const state = JSON.parse(await tf("show", "-json"));
  for (const r of state.values.root_module.resources) if (r.type === "secgroups_site") agent.add(r.values.token);
  await tf("apply", "-auto-approve", "-input=false", "-no-color");

  fs.writeFileSync(path.join(dir, "state.json"), await tf("show", "-json"));
  useConfig("head.tf");
  await tf("plan", "-out=head.plan", "-input=false", "-no-color");
  fs.writeFileSync(path.join(dir, "plan.json"), await tf("show", "-json", "head.plan"));
}, 20 * 60_000);

afterAll(async () => {
  await agent?.stop();
  await core?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const NEW_SSH = "- newly allowed: tcp/22 from 0.0.0.0/0 except 198.51.100.0/24 to sites web-1, web-2";
const NEW_PARTNERS = "- newly allowed: tcp/8080 from 203.0.113.0/24 to sites web-1, web-2";

describe("secgroups review on a real terraform plan", () => {
  it("one plan: before and after, the new prefix list resolved through the configuration's references", async () => {
    const { code, output } = await runReview([path.join(dir, "plan.json")]);
    expect(code).toBe(0);
    expect(output).toContain(NEW_SSH);
    expect(output).toContain(NEW_PARTNERS);
    // The split LAN rule changes the text, not the verdicts: it is in the table, not in the effective change.
    expect(output).toContain("| added | 31 | inbound | tcp/5432 | 10.128.0.0/9 | accept | postgres from the lan (high half) |");
    expect(output).not.toMatch(/allowed: tcp\/5432/);
    expect(output).toContain("| added | 25 | inbound | tcp/8080 | prefix list partners (new) | accept | partners api |");
    expect(output).toContain("web, rule 25: address is the id of new prefix list partners (its only new dependency)");
    expect(output).toMatch(/\| \*\*high\*\* \| Secure Shell \(tcp\/22\) is open to the world .*"web" rule 20.*\| web-1, web-2 \| new \|/);
  });

  it("state as BASE and the plan as HEAD give the same effective change", async () => {
    const { code, output } = await runReview([path.join(dir, "state.json"), path.join(dir, "plan.json")]);
    expect(code).toBe(0);
    expect(output).toContain(NEW_SSH);
    expect(output).toContain(NEW_PARTNERS);
    expect(output.match(/^- (newly|no longer) allowed/gm)).toHaveLength(2);
  });

  it("--fail-on high fails the CI gate on the world-open SSH rule; the base alone passes it", async () => {
    expect((await runReview([path.join(dir, "plan.json"), "--fail-on", "high"])).code).toBe(1);
    expect((await runReview([path.join(dir, "state.json"), path.join(dir, "state.json"), "--fail-on", "high"])).code).toBe(0);
  });

  it("--format json", async () => {
    const { code, output } = await runReview([path.join(dir, "plan.json"), "--format", "json"]);
    expect(code).toBe(0);
    const json = JSON.parse(output);
    expect(json.newlyAllowed.map((r: { text: string }) => r.text).sort()).toEqual([
      "tcp/22 from 0.0.0.0/0 except 198.51.100.0/24 to sites web-1, web-2",
      "tcp/8080 from 203.0.113.0/24 to sites web-1, web-2",
    ]);
    expect(json.findings[0]).toMatchObject({ kind: "world-open-admin-port", severity: "high", sites: ["web-1", "web-2"] });
  });
});
