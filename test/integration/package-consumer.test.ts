/**
 * The package as a user gets it, far from this checkout: `npm pack` of the
 * built package, `npm install` of the tarball (with the peer dependencies a
 * Pulumi or CDKTF user adds) into a fresh project under os.tmpdir(), then:
 * every subpath loads from the install and type-checks under node10, node16
 * and bundler resolution, the installed bin prints its version and serves the
 * API, and a TypeScript Pulumi program using WebServerGroup goes through the
 * real pulumi CLI (`up`, `preview --expect-no-changes`, `destroy`) against
 * that installed core (previews with the installed policy pack), and a CDKTF app using it is synthesized, deployed and
 * destroyed with the Terraform provider from its filesystem mirror (as
 * scripts/build-terraform-provider.sh installs it for users).
 *
 * The tarball is packed with --ignore-scripts from the dist/ the test command
 * built (`npm run build`, which cleans dist/ first): packing with scripts would
 * rebuild dist/ under the other tests' feet. npm installs with
 * --prefer-offline, so once its cache holds these versions nothing is fetched.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { ensurePulumi, PASSPHRASE, REPO, removeDirs, tempDir } from "../support/pulumi-cli";
import { ensureBuilt } from "../support/secgroups";

jest.setTimeout(10 * 60_000);

const JWT_SECRET = "package-consumer-secret-0123456789";
const SUBPATHS = ["secgroups", "secgroups/pulumi", "secgroups/cdktf", "secgroups/patterns", "secgroups/model"];
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string }).version;

/** The version the repo runs against, so the consumer gets the same peer (and npm's cache has it). */
function repoVersion(pkg: string): string {
  return (JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

let packDir: string;
let consumer: string;
let tarballFiles: string[];

beforeAll(async () => {
  ensureBuilt();
  packDir = tempDir("sg-package-tarball-");
  consumer = tempDir("sg-package-consumer-");
  const packed = JSON.parse(await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], REPO)) as {
    filename: string;
    files: { path: string }[];
  }[];
  tarballFiles = packed[0].files.map((f) => f.path);
  fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "my-firewall-stack", version: "1.0.0", private: true }));
  // What the README's Install section tells a user to type (plus typescript, which Pulumi's TypeScript templates carry).
  const peers = ["@pulumi/pulumi", "@pulumi/policy", "cdktf", "constructs", "typescript", "@types/node"].map(
    (p) => `${p}@${repoVersion(p)}`,
  );
  await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", path.join(packDir, packed[0].filename), ...peers],
    consumer,
  );
});

afterAll(() => removeDirs(packDir, consumer));

test("the tarball holds what runs, its types, docs and licence, and no tests or sources (but the provider's Go sources)", () => {
  for (const required of [
    "package.json",
    "LICENSE",
    "README.md",
    "bin/secgroups.js",
    "dist/core/index.js",
    "dist/core/index.d.ts",
    "dist/core/cli/main.js",
  ]) {
    expect(tarballFiles).toContain(required);
  }
  expect(tarballFiles.some((f) => f.startsWith("dist/constructs/cdktf/generated/providers/secgroups/"))).toBe(true);
  expect(tarballFiles.some((f) => f.startsWith("docs/"))).toBe(true);
  // The Terraform provider ships as Go sources, built on install (README, Install); its tests do not.
  expect(tarballFiles).toContain("provider/terraform/main.go");
  expect(tarballFiles).toContain("scripts/build-terraform-provider.sh");
  expect(tarballFiles).toContain("scripts/go-env.sh");
  const unwanted = tarballFiles.filter(
    (f) =>
      /\.test\.|(^|\/)test\/|^bench\/|^examples\/|_test\.go$|\.map$/.test(f) ||
      (f.endsWith(".go") && !f.startsWith("provider/terraform/")) ||
      (f.endsWith(".ts") && !f.endsWith(".d.ts")),
  );
  expect(unwanted).toEqual([]);
});

test("every subpath loads from the install, not from the checkout", async () => {
  const script = `
    const out = {};
    for (const id of ${JSON.stringify(SUBPATHS)}) out[id] = { file: require.resolve(id), exports: Object.keys(require(id)) };
    console.log(JSON.stringify(out));`;
  const loaded = JSON.parse(await run(process.execPath, ["-e", script], consumer)) as Record<string, { file: string; exports: string[] }>;
  const installed = fs.realpathSync(path.join(consumer, "node_modules", "secgroups"));
  for (const id of SUBPATHS) expect(fs.realpathSync(loaded[id].file).startsWith(installed + path.sep)).toBe(true);
  expect(loaded.secgroups.exports).toEqual(expect.arrayContaining(["compilePolicy", "lint", "evaluate", "reviewPaths", "parseCidr"]));
  expect(loaded["secgroups/pulumi"].exports).toEqual(expect.arrayContaining(["SecurityGroup", "PrefixList", "Site", "WebServerGroup"]));
  expect(loaded["secgroups/cdktf"].exports).toEqual(
    expect.arrayContaining(["SecgroupsProvider", "SecurityGroup", "PrefixList", "WebServerGroup"]),
  );
  expect(loaded["secgroups/patterns"].exports).toEqual(expect.arrayContaining(["WebServerGroup", "PatternError"]));
  expect(loaded["secgroups/model"].exports).toEqual(expect.arrayContaining(["validateSecurityGroupWrite", "parseCidr"]));
});

// Uses a value and a type of each subpath, so a subpath whose declarations do not resolve fails the check.
const CONSUMER_SOURCE = `
import { compilePolicy, type PolicyDocumentInput } from "secgroups";
import { WebServerGroup as PulumiWeb, type SecurityGroupArgs } from "secgroups/pulumi";
import { WebServerGroup as CdktfWeb, SecgroupsProvider } from "secgroups/cdktf";
import { WebServerGroup, PatternError } from "secgroups/patterns";
import { parseCidr, type Platform } from "secgroups/model";

const target: Platform = "nftables";
const doc: PolicyDocumentInput = { prefix_lists: [], security_groups: [] };
export const config: string = compilePolicy(doc, target);
export const args: SecurityGroupArgs = { name: "web", rules: [] };
export const classes = [PulumiWeb, CdktfWeb, SecgroupsProvider, WebServerGroup, PatternError];
export const parsed: boolean = parseCidr("10.0.0.0/8").ok;
`;

test.each([
  ["node10", "commonjs"],
  ["node16", "node16"],
  ["bundler", "esnext"],
])("a TypeScript file importing every subpath type-checks under moduleResolution %s", async (resolution, module) => {
  fs.writeFileSync(path.join(consumer, "consume.ts"), CONSUMER_SOURCE);
  const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
  const flags = [
    "--noEmit",
    "--strict",
    "--target",
    "ES2022",
    "--module",
    module,
    "--moduleResolution",
    resolution,
    "--types",
    "node",
    "consume.ts",
  ];
  await expect(run(process.execPath, [tsc, ...flags], consumer)).resolves.toBeDefined();
});

test("a subpath the package does not export is refused (the exports map is the public surface)", async () => {
  await expect(run(process.execPath, ["-e", 'require("secgroups/dist/core/store/index.js")'], consumer)).rejects.toThrow(
    /ERR_PACKAGE_PATH_NOT_EXPORTED/,
  );
});

test("npx secgroups --version prints the package version from the install", async () => {
  expect((await run("npx", ["--no-install", "secgroups", "--version"], consumer)).trim()).toBe(VERSION);
});

/** The policy pack as installed: `pulumi preview --policy-pack node_modules/secgroups/dist/policy`. */
function policyPack(): string {
  return path.join(consumer, "node_modules", "secgroups", "dist", "policy");
}

/** `secgroups serve` from the installed bin on a free port; resolves with its URL. */
function serveFromInstall(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const bin = path.join(consumer, "node_modules", ".bin", "secgroups");
  const child = spawn(bin, ["serve", "--host", "127.0.0.1", "--port", "0", "--data", dataDir], {
    cwd: consumer,
    env: { ...process.env, SECGROUPS_JWT_SECRET: JWT_SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /secgroups listening on (http:\/\/\S+)/.exec(output);
      if (m) resolve({ url: m[1], child });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`secgroups serve exited with ${code} before listening:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

describe("the installed core with a Pulumi program and a CDKTF app", () => {
  let server: { url: string; child: ChildProcess };
  let dataDir: string;
  let backendDir: string;
  let stack: Stack;
  let token: string;

  const api = async (p: string) => {
    const res = await fetch(server.url + p, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dataDir = tempDir("sg-package-data-");
    backendDir = tempDir("sg-package-backend-");
    server = await serveFromInstall(dataDir);
    token = (
      await run("npx", ["--no-install", "secgroups", "token", "--org", "org_consumer", "--ttl", "1h"], consumer, {
        SECGROUPS_JWT_SECRET: JWT_SECRET,
      })
    ).trim();
  });

  afterAll(async () => {
    if (server) await stop(server.child);
    removeDirs(dataDir, backendDir);
  });

  test("secgroups serve from the installed bin answers /healthz", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
  });

  test("a WebServerGroup program: up creates it in the API, preview shows no changes, destroy removes it", async () => {
    const bin = ensurePulumi();
    fs.writeFileSync(
      path.join(consumer, "index.ts"),
      [
        'import { WebServerGroup } from "secgroups/pulumi";',
        'const web = new WebServerGroup("web", { name: "web", description: "storefront", adminSources: ["203.0.113.0/24"] });',
        "export const groupId = web.id;",
        "export const adminsId = web.prefixLists.admins.id;",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(consumer, "Pulumi.yaml"),
      "name: my-firewall-stack\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n",
    );
    fs.writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "commonjs",
          moduleResolution: "node",
          strict: true,
          types: ["node"],
          esModuleInterop: true,
          skipLibCheck: true,
        },
        files: ["index.ts"],
      }),
    );
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
    const ws = await LocalWorkspace.create({
      workDir: consumer,
      pulumiCommand,
      envVars: {
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        PULUMI_HOME: path.join(backendDir, ".pulumi-home"),
        SECGROUPS_ENDPOINT: server.url,
        SECGROUPS_TOKEN: token,
      },
    });
    stack = await Stack.create("dev", ws);

    const up = await stack.up();
    const groupId = up.outputs.groupId.value as string;
    const adminsId = up.outputs.adminsId.value as string;
    const group = await api(`/vpc/security-groups/${groupId}`);
    expect(group.status).toBe(200);
    const rules = group.body.rules as { direction: string; port: string; address: string }[];
    expect(rules).toEqual(expect.arrayContaining([expect.objectContaining({ direction: "inbound", port: "22", address: adminsId })]));
    expect((await api(`/vpc/prefix-lists/${adminsId}`)).status).toBe(200);

    // The policy pack from the install lets the pattern's rules through.
    const preview = await stack.preview({ expectNoChanges: true, policyPacks: [policyPack()] });
    expect(Object.keys(preview.changeSummary).filter((op) => op !== "same")).toEqual([]);

    await stack.destroy();
    expect((await api(`/vpc/security-groups/${groupId}`)).status).toBe(404);
    expect((await api(`/vpc/prefix-lists/${adminsId}`)).status).toBe(404);
  });

  test("the policy pack from the install stops a world-open SSH rule in preview, before anything is created", async () => {
    fs.writeFileSync(
      path.join(consumer, "index.ts"),
      [
        'import { SecurityGroup } from "secgroups/pulumi";',
        'new SecurityGroup("open-ssh", {',
        '  name: "open-ssh",',
        '  rules: [{ direction: "inbound", order: 10, protocol: 6, port: "22", address: "0.0.0.0/0", description: "SSH" }],',
        "});",
        "",
      ].join("\n"),
    );
    await expect(stack.preview({ policyPacks: [policyPack()] })).rejects.toThrow(
      /\[world-open-admin-port\] Secure Shell \(tcp\/22\) is open to the world/,
    );
    const groups = (await api("/vpc/security-groups")).body as unknown as { name: string }[];
    expect(groups.map((g) => g.name)).not.toContain("open-ssh");
  });

  test("a CDKTF app with WebServerGroup from the install: synth, cdktf deploy, destroy, with the provider from its filesystem mirror", async () => {
    const appDir = path.join(consumer, "infra-cdktf");
    fs.mkdirSync(appDir);
    fs.writeFileSync(
      path.join(appDir, "main.ts"),
      [
        'import { App, TerraformStack } from "cdktf";',
        'import type { Construct } from "constructs";',
        'import { SecgroupsProvider, WebServerGroup } from "secgroups/cdktf";',
        "class Edge extends TerraformStack {",
        "  constructor(scope: Construct, id: string) {",
        "    super(scope, id);",
        '    new SecgroupsProvider(this, "secgroups", {});',
        '    new WebServerGroup(this, "web", { name: "cdktf-web", adminSources: ["198.51.100.0/24"] });',
        "  }",
        "}",
        "const app = new App();",
        'new Edge(app, "edge");',
        "app.synth();",
        "",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(appDir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "commonjs",
          moduleResolution: "node",
          strict: true,
          skipLibCheck: true,
          types: ["node"],
          outDir: "out",
        },
        files: ["main.ts"],
      }),
    );
    fs.writeFileSync(
      path.join(appDir, "cdktf.json"),
      JSON.stringify({
        language: "typescript",
        app: "node ../node_modules/typescript/bin/tsc -p tsconfig.json && node out/main.js",
        terraformProviders: [],
        sendCrashReports: "false",
      }),
    );
    const lastLine = (script: string) =>
      execFileSync("bash", [path.join(REPO, "scripts", script)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
        .trim()
        .split("\n")
        .pop()!;
    const terraformDir = lastLine("ensure-terraform.sh");
    const terraform = ["terraform", "tofu"].map((name) => path.join(terraformDir, name)).find((f) => fs.existsSync(f)) ?? "terraform";
    // cdktf-cli is the user's tool (npm install -g cdktf-cli); the repo's copy stands in for it.
    const cdktf = (...args: string[]) =>
      run(path.join(REPO, "node_modules", ".bin", "cdktf"), args, appDir, {
        TF_CLI_CONFIG_FILE: lastLine("build-terraform-provider.sh"),
        TERRAFORM_BINARY_NAME: terraform,
        SECGROUPS_ENDPOINT: server.url,
        SECGROUPS_TOKEN: token,
        CHECKPOINT_DISABLE: "1",
        CDKTF_DISABLE_TELEMETRY: "true",
        DISABLE_VERSION_CHECK: "true",
        CI: "1",
        FORCE_COLOR: "0",
      });

    await cdktf("synth");
    const synthesized = JSON.parse(fs.readFileSync(path.join(appDir, "cdktf.out", "stacks", "edge", "cdk.tf.json"), "utf8")) as {
      resource: Record<string, unknown>;
    };
    expect(Object.keys(synthesized.resource)).toEqual(expect.arrayContaining(["secgroups_security_group", "secgroups_prefix_list"]));

    await cdktf("deploy", "--auto-approve", "--skip-provider-lock");
    const groups = (await api("/vpc/security-groups")).body as unknown as { id: string; name: string; rules: { port: string }[] }[];
    const web = groups.find((g) => g.name === "cdktf-web");
    expect(web?.rules.map((r) => r.port)).toEqual(expect.arrayContaining(["22", "80", "443"]));

    await cdktf("destroy", "--auto-approve", "--skip-provider-lock");
    expect((await api(`/vpc/security-groups/${web!.id}`)).status).toBe(404);
  });
});
