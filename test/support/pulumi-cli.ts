/**
 * The real Pulumi CLI for tests and benchmarks: built from source by
 * scripts/ensure-pulumi.sh, driven through the Automation API with a
 * `file://` backend in a temp dir (never Pulumi Cloud), programs run from
 * temp project dirs so no stack file lands in the repo.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

/** The checkout: the nearest package.json named secgroups above this file (also when compiled elsewhere under it). */
export const REPO = findRepo(__dirname) ?? findRepo(process.cwd()) ?? path.resolve(__dirname, "../..");

function findRepo(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "secgroups") return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
export const PASSPHRASE = "secgroups-tests-passphrase";

let binDir: string | undefined;

/** The bin dir holding pulumi, pulumi-language-nodejs and the dynamic-provider launcher (built on first use). */
export function ensurePulumi(): string {
  binDir ??= execFileSync("bash", [path.join(REPO, "scripts/ensure-pulumi.sh")], {
    cwd: REPO,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 30 * 60_000,
  })
    .trim()
    .split("\n")
    .pop()!;
  return binDir;
}

/**
 * Compiles the package into dist/ (what `secgroups/pulumi` resolves to). Other
 * folders' type errors do not stop tsc from emitting, so success is judged by
 * the provider's own output being there and fresh.
 */
export function buildPackage(): void {
  const started = Date.now();
  try {
    execFileSync(process.execPath, [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: REPO,
      stdio: "pipe",
    });
  } catch {
    // tsc exits non-zero on any type error in the tree; checked below.
  }
  for (const file of ["index.js", "handlers.js", "provider.js", "resources.js", "client.js"]) {
    const built = path.join(REPO, "dist/provider/pulumi", file);
    if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < started - 1000) {
      throw new Error(`tsc did not emit ${built}; run \`npx tsc -p tsconfig.build.json\` and read its errors`);
    }
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const PROGRAM_TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
  },
  files: ["index.ts"],
};

/**
 * A program dir (index.ts = source) whose node_modules links every package
 * the repo has and `secgroups` to the repo itself, so the program imports the
 * built package by its public name and is type-checked against its declarations.
 */
export function writeProgram(prefix: string, source: string): string {
  const dir = tempDir(prefix);
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (entry === ".bin" || entry === ".package-lock.json") continue;
    fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(modules, entry));
  }
  fs.symlinkSync(REPO, path.join(modules, "secgroups"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: path.basename(dir), private: true }));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(PROGRAM_TSCONFIG));
  fs.writeFileSync(path.join(dir, "index.ts"), source);
  return dir;
}

export interface StackOptions {
  /** Program entry (absolute path to a .ts file). */
  program: string;
  project: string;
  stackName?: string;
  /** Extra environment for the CLI, the program and the providers. */
  env?: Record<string, string>;
}

/** A fresh stack on a fresh file backend, with the program run from a temp project dir. */
export async function createStack(options: StackOptions): Promise<{ stack: Stack; workDir: string; backendDir: string }> {
  const bin = ensurePulumi();
  const workDir = tempDir("sg-pulumi-project-");
  const backendDir = tempDir("sg-pulumi-backend-");
  fs.writeFileSync(
    path.join(workDir, "Pulumi.yaml"),
    [
      `name: ${options.project}`,
      "runtime:",
      "  name: nodejs",
      "  options:",
      "    typescript: true",
      `main: ${path.relative(workDir, options.program)}`,
      "",
    ].join("\n"),
  );
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
  const envVars: Record<string, string> = {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_HOME: path.join(backendDir, ".pulumi-home"),
    ...options.env,
  };
  const ws = await LocalWorkspace.create({ workDir, pulumiCommand, envVars });
  const stack = await Stack.create(options.stackName ?? "test", ws);
  return { stack, workDir, backendDir };
}

export function removeDirs(...dirs: string[]): void {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}
