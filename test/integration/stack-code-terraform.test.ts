/* eslint-disable @typescript-eslint/no-explicit-any -- API responses, plans and synthesized JSON are untyped JSON in tests */
/**
 * The stack code `secgroups import --terraform|--cdktf` and `secgroups export
 * --terraform|--cdktf` print, run as a user runs it: the real `terraform` CLI
 * with our provider from its filesystem mirror (test/support/terraform.ts),
 * CDKTF programs compiled by tsc against secgroups/cdktf (the generated
 * bindings) and synthesized by cdktf's App in node, all against one core in
 * this process, one organization per case. Imported code must apply and then
 * plan no change; exported code must plan only imports (nothing rewritten),
 * apply them, and then plan no change.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { startCore, type Core } from "../support/pulumi-core";
import { cli, ensureBuilt, ROOT, tempDir } from "../support/secgroups";
import { awsGroups, expectHolds, organization as sharedOrganization, stackCode } from "../support/stack-code";
import { runTerraform, terraform, terraformCli, terraformEnv, type TerraformCli } from "../support/terraform";

jest.setTimeout(10 * 60_000);

const WEB01 = path.join(ROOT, "test", "fixtures", "import", "web-01.nft");

let core: Core;
let tfCli: TerraformCli;
const dirs: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  tfCli = terraformCli();
  core = await startCore();
}, 5 * 60_000);

afterAll(async () => {
  await core?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** An organization of the core, and the environment terraform runs in for it. */
function organization(name: string) {
  const org = sharedOrganization(core, name);
  return { ...org, env: terraformEnv(tfCli, core.endpoint, org.token) };
}
type Org = ReturnType<typeof organization>;

function project(prefix: string, files: Record<string, string>): string {
  const dir = tempDir(`sg-stack-${prefix}-`);
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const tf = (dir: string, org: Org, ...args: string[]) => terraform(tfCli, dir, org.env, ...args);

async function initAndValidate(dir: string, org: Org): Promise<void> {
  await tf(dir, org, "init", "-input=false", "-no-color");
  await tf(dir, org, "validate", "-no-color");
}

/** `terraform plan -detailed-exitcode` exits 0: no changes (2 would be changes, 1 an error; both shown in full). */
async function expectNoChanges(dir: string, org: Org): Promise<void> {
  const run = await runTerraform(tfCli, dir, org.env, ["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
  if (run.code !== 0) throw new Error(`terraform plan -detailed-exitcode exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
}

/** Each planned resource's actions and whether it is imported. */
async function plannedChanges(dir: string, org: Org): Promise<{ address: string; actions: string[]; importing: boolean }[]> {
  await tf(dir, org, "plan", "-out=tfplan", "-input=false", "-no-color");
  const plan = JSON.parse(await tf(dir, org, "show", "-json", "tfplan"));
  return (plan.resource_changes ?? []).map((c: any) => ({
    address: c.address,
    actions: c.change.actions,
    importing: !!c.change.importing,
  }));
}

/**
 * A CDKTF program as a user's project holds it: compiled by tsc (strict)
 * against secgroups/cdktf, cdktf and constructs (links to this checkout's),
 * then run by node, whose App.synth() writes the stack's Terraform JSON. The
 * directory terraform runs in.
 */
async function synthesize(code: string): Promise<string> {
  const dir = project("cdktf", {
    "main.ts": code,
    "tsconfig.json": JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "node16",
        moduleResolution: "node16",
        strict: true,
        skipLibCheck: true,
        types: ["node"],
        outDir: "out",
      },
      files: ["main.ts"],
    }),
  });
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(ROOT, path.join(dir, "node_modules", "secgroups"));
  for (const m of ["cdktf", "constructs", "@types"]) fs.symlinkSync(path.join(ROOT, "node_modules", m), path.join(dir, "node_modules", m));
  const run = (file: string, args: string[]) =>
    new Promise<void>((resolve, reject) =>
      execFile(file, args, { cwd: dir, encoding: "utf8" }, (err, stdout, stderr) =>
        err ? reject(new Error(`${path.basename(args[0])} failed: ${err.message}\n${stdout}\n${stderr}`)) : resolve(),
      ),
    );
  await run(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"]);
  await run(process.execPath, [path.join(dir, "out", "main.js")]);
  return path.join(dir, "cdktf.out", "stacks", "secgroups");
}

const synthesized = (stackDir: string) => JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));

/**
 * `terraform apply` of imported code creates what `secgroups import IMPORT`
 * prints as a document (exit status `exit`), and a second plan changes nothing.
 */
async function applyImported(dir: string, org: Org, importArgs: string[], exit: number): Promise<void> {
  await tf(dir, org, "apply", "-auto-approve", "-input=false", "-no-color");
  await expectHolds(org, await stackCode(["import", ...importArgs], exit));
  await expectNoChanges(dir, org);
}

describe("secgroups import --terraform", () => {
  it("a hand-written nftables file: init, validate, apply create what the import says; a second plan changes nothing", async () => {
    const org = organization("import-nft");
    const code = await stackCode(["import", "--from", "nft", WEB01, "--terraform"], 3);
    const dir = project("import-nft", { "main.tf": code });
    await initAndValidate(dir, org);
    // The code is as `terraform fmt` writes it.
    await tf(dir, org, "fmt", "-check", "-diff", "-no-color");
    await applyImported(dir, org, ["--from", "nft", WEB01], 3);
  });

  it("AWS groups: a group named before it is declared, ICMP type and code -1 as any", async () => {
    const org = organization("import-aws");
    const file = path.join(project("aws-json", { "groups.json": awsGroups(false) }), "groups.json");
    const code = await stackCode(["import", "--from", "aws", file, "--terraform"]);
    expect(code).not.toMatch(/icmp_(type|code) = -1/);
    // The web group's own members: self, which the API stores as the group's id.
    expect(code).toMatch(/order = 2, protocol = 6, port = "9000", address = "self"/);
    const dir = project("import-aws", { "main.tf": code });
    await initAndValidate(dir, org);
    await applyImported(dir, org, ["--from", "aws", file], 0);
    const held = await org.get("/vpc/security-groups");
    const webserver = held.find((g: any) => g.name === "webserver");
    expect(webserver.rules.find((r: any) => r.port === "9000").address).toBe(webserver.id);
    const database = held.find((g: any) => g.name === "database");
    expect(database.rules.filter((r: any) => r.protocol !== 6).map((r: any) => [r.protocol, r.address, r.icmp_type, r.icmp_code])).toEqual([
      [1, "10.0.0.0/8", null, null],
      [1, "0.0.0.0/0", 3, null],
      [58, "2001:db8::/32", null, null],
    ]);
  });

  it("groups that name each other: refused with the way that works (--apply, then export adopts them)", async () => {
    const org = organization("import-cycle");
    const file = path.join(project("aws-cycle", { "groups.json": awsGroups(true) }), "groups.json");
    for (const format of ["terraform", "cdktf", "pulumi"]) {
      const r = await cli(["import", "--from", "aws", file, `--${format}`]);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
      // The database group comes first in the file and names the web group, so the web group is written first.
      expect(r.stderr).toContain(
        `security group "webserver", rule 2, names a group that refers back to it: --${format} code cannot create groups that refer to each other in one run. Run \`secgroups import --apply\` instead; \`secgroups export --${format}\` then writes code that adopts them.`,
      );
    }
    expect((await cli(["import", "--from", "aws", file, "--apply", ...org.auth])).code).toBe(0);
    // The web group's rule naming itself is stored as its id; a second --apply finds everything equal and writes nothing.
    const applied = await org.get("/vpc/security-groups");
    const webserver = applied.find((g: any) => g.name === "webserver");
    expect(webserver.rules.find((r: any) => r.port === "9100").address).toBe(webserver.id);
    expect((await cli(["import", "--from", "aws", file, "--apply", ...org.auth])).code).toBe(0);
    expect(await org.get("/vpc/security-groups")).toEqual(applied);
    const exported = await stackCode(["export", "--terraform", ...org.auth]);
    expect(exported).toMatch(/port = "9100", address = "self"/);
    const dir = project("export-cycle", { "main.tf": exported });
    await initAndValidate(dir, org);
    const changes = await plannedChanges(dir, org);
    expect(changes.map((c) => [c.address, c.actions, c.importing]).sort()).toEqual([
      ["secgroups_security_group.database", ["no-op"], true],
      ["secgroups_security_group.webserver", ["no-op"], true],
    ]);
    await tf(dir, org, "apply", "-auto-approve", "-input=false", "-no-color", "tfplan");
    await expectNoChanges(dir, org);
  });
});

describe("secgroups export --terraform", () => {
  let org: Org;
  const ids: Record<string, string> = {};

  /**
   * What an organization built through the API may hold that stack code must
   * say: site addresses, texts with quotes, backslashes, tabs and Terraform's
   * template sequences, names that are no identifiers or that collide once
   * they are, a group naming itself, two groups naming each other, ICMP -1.
   */
  beforeAll(async () => {
    org = organization("export");
    const db = await org.post("/vpc/sites", {
      name: "db 1",
      platform: "iptables",
      mode: "router",
      addresses: ["10.1.0.5/32", "2001:db8::5/128"],
    });
    const web = await org.post("/vpc/sites", { name: "web-1", platform: "nftables" });
    const partners = await org.post("/vpc/prefix-lists", {
      name: "123 partners",
      description: 'say "hi" \\ tab\there ${var.x} %{ if true }',
      prefixes: [
        { cidr: "198.51.100.0/24", description: "costs $${HOME}" },
        { cidr: "2001:db8:1::/48", description: null },
      ],
      sites: [db.id],
    });
    const web1 = await org.post("/vpc/prefix-lists", { name: "web 1", prefixes: [{ cidr: "203.0.113.0/24" }], sites: [] });
    const app = await org.post("/vpc/security-groups", { name: "app", rules: [], sites: [] });
    const app2 = await org.post("/vpc/security-groups", {
      name: "app 2",
      description: "${app}",
      rules: [
        { direction: "inbound", order: 1, protocol: 6, port: "8080", address: app.id, description: "from app" },
        {
          direction: "inbound",
          order: 2,
          protocol: 1,
          port: "",
          address: "10.0.0.0/8",
          description: "any ICMP",
          icmp_type: -1,
          icmp_code: -1,
        },
        { direction: "inbound", order: 3, protocol: 1, port: "", address: "0.0.0.0/0", description: "ping", icmp_type: 8, icmp_code: 0 },
      ],
      sites: [db.id, web.id],
    });
    await org.put(`/vpc/security-groups/${app.id}`, {
      name: "app",
      description: null,
      rules: [
        { direction: "inbound", order: 1, protocol: 6, port: "9000", address: app2.id, description: "from app 2" },
        { direction: "inbound", order: 2, protocol: 6, port: "9001", address: app.id, description: "from itself" },
        { direction: "outbound", order: 3, protocol: 0, port: "", address: partners.id, description: "%{x}", action: "drop", log: true },
        { direction: "outbound", order: 4, protocol: 17, port: "53", address: web1.id, description: "dns" },
      ],
      sites: [web.id],
    });
    const collides = await org.post("/vpc/security-groups", {
      name: "web_1",
      rules: [{ direction: "inbound", order: 1, protocol: 6, port: "22", address: "192.0.2.0/24", description: "ssh" }],
      sites: [],
    });
    Object.assign(ids, { db: db.id, web: web.id, partners: partners.id, web1: web1.id, app: app.id, app2: app2.id, collides: collides.id });
  });

  /** Every object as the API holds it: an adoption must leave each one as it was. */
  const snapshot = async () => {
    // Status and pending sites move as the sites (no agent here) do not confirm; the objects themselves must not.
    const stored = ({ status: _s, pending_sites: _p, sync_errors: _e, ...object }: any) => object;
    return {
      sites: await org.get("/vpc/sites"),
      lists: (await org.get("/vpc/prefix-lists")).map(stored),
      groups: (await org.get("/vpc/security-groups")).map(stored),
    };
  };

  it("plans only imports, each a no-op; applies them; then plans no change, and nothing was rewritten", async () => {
    const before = await snapshot();
    const code = await stackCode(["export", "--terraform", ...org.auth]);
    // The group naming itself says self: imported state shows the own id as self, so the import is a no-op.
    expect(code).toMatch(/order = 2, protocol = 6, port = "9001", address = "self"/);
    const dir = project("export", { "main.tf": code });
    await initAndValidate(dir, org);
    await tf(dir, org, "fmt", "-check", "-diff", "-no-color");
    const changes = await plannedChanges(dir, org);
    expect(changes.map((c) => c.address).sort()).toEqual(
      [
        "secgroups_prefix_list._123_partners",
        "secgroups_prefix_list.web_1_2",
        "secgroups_security_group.app",
        "secgroups_security_group.app_2",
        "secgroups_security_group.web_1_3",
        "secgroups_site.db_1",
        "secgroups_site.web_1",
      ].sort(),
    );
    for (const c of changes) expect(c).toEqual({ address: c.address, actions: ["no-op"], importing: true });
    await tf(dir, org, "apply", "-auto-approve", "-input=false", "-no-color", "tfplan");
    await expectNoChanges(dir, org);
    expect(await snapshot()).toEqual(before);
  });

  it("--cdktf: compiles against the bindings, synthesizes, validates, plans only no-op imports", async () => {
    const before = await snapshot();
    const stack = await synthesize(await stackCode(["export", "--cdktf", ...org.auth]));
    const json = synthesized(stack);
    expect(json.import.map((i: any) => i.id).sort()).toEqual(Object.values(ids).sort());
    // Texts reach Terraform as text: its template sequences escaped, quotes and backslashes as they are.
    const partners = Object.values(json.resource.secgroups_prefix_list).find((l: any) => l.name === "123 partners") as any;
    expect(partners.description).toBe('say "hi" \\ tab\there $${var.x} %%{ if true }');
    await initAndValidate(stack, org);
    const changes = await plannedChanges(stack, org);
    expect(changes).toHaveLength(Object.keys(ids).length);
    for (const c of changes) expect(c).toEqual({ address: c.address, actions: ["no-op"], importing: true });
    await tf(stack, org, "apply", "-auto-approve", "-input=false", "-no-color", "tfplan");
    await expectNoChanges(stack, org);
    expect(await snapshot()).toEqual(before);
  });
});

describe("secgroups import --cdktf", () => {
  it("the nftables file: compiles, synthesizes, validates and applies; a second plan changes nothing", async () => {
    const org = organization("import-cdktf");
    const stack = await synthesize(await stackCode(["import", "--from", "nft", WEB01, "--cdktf"], 3));
    await initAndValidate(stack, org);
    await applyImported(stack, org, ["--from", "nft", WEB01], 3);
  });

  it("AWS groups: the group named before it is declared is a reference, not a made-up id", async () => {
    const org = organization("import-cdktf-aws");
    const file = path.join(project("aws-json", { "groups.json": awsGroups(false) }), "groups.json");
    const stack = await synthesize(await stackCode(["import", "--from", "aws", file, "--cdktf"]));
    const database = Object.values(synthesized(stack).resource.secgroups_security_group).find((g: any) => g.name === "database") as any;
    expect(database.rules[0].address).toMatch(/^\$\{secgroups_security_group\.\w+\.id\}$/);
    await initAndValidate(stack, org);
    await applyImported(stack, org, ["--from", "aws", file], 0);
  });
});
