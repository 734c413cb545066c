/** Runs the platform's tools (nft, iptables-restore, ipset); a seam for tests. */
import { spawn } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type Runner = (command: string, args: string[], stdin?: string) => Promise<RunResult>;

export const runCommand: Runner = (command, args, stdin) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
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
export async function mustRun(run: Runner, command: string, args: string[], stdin?: string): Promise<string> {
  const r = await run(command, args, stdin);
  if (r.code !== 0) throw new Error(`${[command, ...args].join(" ")} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}
