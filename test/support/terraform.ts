/**
 * The real `terraform` CLI in tests: the binary scripts/ensure-terraform.sh
 * provides, with the CLI config scripts/build-terraform-provider.sh writes
 * (our provider from its filesystem mirror: no registry). Runs are
 * asynchronous, so a core serving in the test's own process can answer them.
 */
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

export interface TerraformCli {
  binary: string;
  /** TF_CLI_CONFIG_FILE: the filesystem mirror of the secgroups provider. */
  cliConfig: string;
}

function lastLine(script: string): string {
  return execFileSync("bash", [path.join(ROOT, script)], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    .trim()
    .split("\n")
    .pop()!;
}

/** Reuses the caches env.sh filled; builds the provider only when its sources changed. */
export function terraformCli(): TerraformCli {
  const bin = lastLine("scripts/ensure-terraform.sh");
  const binary = ["terraform", "tofu"].map((n) => path.join(bin, n)).find((p) => fs.existsSync(p)) ?? "terraform";
  return { binary, cliConfig: lastLine("scripts/build-terraform-provider.sh") };
}

/** The environment for terraform against a core: the provider reads SECGROUPS_ENDPOINT and SECGROUPS_TOKEN. */
export function terraformEnv(cli: TerraformCli, endpoint: string, token: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: cli.cliConfig,
    SECGROUPS_ENDPOINT: endpoint,
    SECGROUPS_TOKEN: token,
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
  };
}

export interface TerraformRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** One terraform command in `dir`, whatever its exit status. */
export function runTerraform(cli: TerraformCli, dir: string, env: NodeJS.ProcessEnv, args: string[]): Promise<TerraformRun> {
  return new Promise((resolve) => {
    execFile(cli.binary, args, { cwd: dir, env, encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** One terraform command that must succeed: its stdout, else an error with all its output. */
export async function terraform(cli: TerraformCli, dir: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const run = await runTerraform(cli, dir, env, args);
  if (run.code !== 0) throw new Error(`terraform ${args.join(" ")} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}
