/** Runs the platform's tools (nft, iptables-restore, ipset); a seam for tests. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Told the process id as soon as the tool starts (the nft monitor tells our own transactions from others' by it). */
  onSpawn?(pid: number): void;
}

export type Runner = (command: string, args: string[], stdin?: string, options?: RunOptions) => Promise<RunResult>;

/** Starts a long-running tool (`nft monitor`) whose output is read as it comes; a seam for tests and namespaces. */
export type Spawner = (command: string, args: string[]) => ChildProcessWithoutNullStreams;

export const spawnTool: Spawner = (command, args) => spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });

export const runCommand: Runner = (command, args, stdin, options) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    if (child.pid !== undefined) options?.onSpawn?.(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => resolve({ code: 127, stdout: "", stderr: `${command}: ${e.message}` }));
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? 128,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString() + (signal ? `${command} killed by ${signal}` : ""),
      }),
    );
    child.stdin.on("error", () => undefined); // the tool may exit before reading all input
    child.stdin.end(stdin ?? "");
  });

/** Throws with the tool's own error text when it fails. */
export async function mustRun(run: Runner, command: string, args: string[], stdin?: string, options?: RunOptions): Promise<string> {
  const r = await run(command, args, stdin, options);
  if (r.code !== 0) throw new Error(`${[command, ...args].join(" ")} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}
