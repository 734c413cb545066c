/** Runs the platform's tools (nft, iptables-restore, ipset); a seam for tests. */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Told the process id as soon as the tool starts (the nft monitor tells our own transactions from others' by it). */
  onSpawn?(pid: number): void;
  /**
   * The result is complete once stdout holds this many lines (`nft -j -i`
   * prints one per listing): it is given then, with exit code 0, and the
   * tool's exit is not waited for. nft's exit after a commit that deleted
   * elements waits 8-12 ms for the kernel to free them.
   */
  completeAfterLines?: number;
}

export type Runner = (command: string, args: string[], stdin?: string, options?: RunOptions) => Promise<RunResult>;

/** Starts a long-running tool (`nft monitor`) whose output is read as it comes; a seam for tests and namespaces. */
export type Spawner = (command: string, args: string[]) => ChildProcessWithoutNullStreams;

export const spawnTool: Spawner = (command, args) => spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });

/**
 * Runs one tool and collects its output: the one definition, used here and
 * by the tool host (which is sent its source: keep it self-contained, with
 * no imports from outside its body). Calls `onPid` once the tool starts and
 * `done` once with its result.
 */
function runTool(
  command: string,
  args: string[],
  stdin: string | undefined,
  completeAfterLines: number | undefined,
  onPid: (pid: number) => void,
  done: (result: RunResult) => void,
): void {
  // Required here, not imported: the host runs this body alone.
  const { spawn: start } = require("node:child_process") as typeof import("node:child_process");
  let finished = false;
  const finish = (result: RunResult) => {
    if (!finished) done(result);
    finished = true;
  };
  const child = start(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  if (child.pid !== undefined) onPid(child.pid);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const collected = (code: number, extra = "") => ({
    code,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString() + extra,
  });
  let lines = 0;
  child.stdout.on("data", (b: Buffer) => {
    out.push(b);
    if (completeAfterLines === undefined) return;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
    if (lines >= completeAfterLines) finish(collected(0));
  });
  child.stderr.on("data", (b: Buffer) => err.push(b));
  child.on("error", (e) => finish({ code: 127, stdout: "", stderr: `${command}: ${e.message}` }));
  child.on("close", (code, signal) => finish(collected(code ?? 128, signal ? `${command} killed by ${signal}` : "")));
  child.stdin.on("error", () => undefined); // the tool may exit before reading all input
  child.stdin.end(stdin ?? "");
}

export const runCommand: Runner = (command, args, stdin, options) =>
  new Promise((resolve) => runTool(command, args, stdin, options?.completeAfterLines, (pid) => options?.onSpawn?.(pid), resolve));

/** Throws with the tool's own error text when it fails. */
export async function mustRun(run: Runner, command: string, args: string[], stdin?: string, options?: RunOptions): Promise<string> {
  const r = await run(command, args, stdin, options);
  if (r.code !== 0) throw new Error(`${[command, ...args].join(" ")} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** The helper of toolHostRunner: runs each tool it is sent, answers its process id and then its result. */
const TOOL_HOST = `
const runTool = ${runTool.toString()};
process.on("message", ({ id, command, args, stdin, completeAfterLines }) =>
  runTool(command, args, stdin, completeAfterLines, (pid) => process.send({ id, pid }), (result) => process.send({ id, result })),
);
process.on("disconnect", () => process.exit(0));
`;

interface HostMessage {
  id: number;
  pid?: number;
  result?: RunResult;
}

/**
 * A Runner that starts the tools from a small helper process (a bare node,
 * started on first use) instead of this one. Starting a process forks this
 * one first, page tables and all: an agent holding a revision of 100,000
 * addresses (about 200 MB resident) paid 10-90 ms per tool for the fork
 * alone, more than most tools take; the helper forks in 1-2 ms. Input and
 * output pass over its IPC channel. The helper ends with this process (its
 * channel closes) and keeps it alive only while a tool runs; should it fail
 * to start, the tools are started from here (runCommand).
 */
export function toolHostRunner(): Runner {
  let host: ChildProcess | undefined;
  let failed = false;
  const pending = new Map<number, { resolve: (r: RunResult) => void; request: Parameters<Runner> }>();
  let nextId = 0;
  const hold = (on: boolean) => {
    const channel = host?.channel as { ref?(): void; unref?(): void } | undefined;
    if (on) {
      host?.ref();
      channel?.ref?.();
    } else {
      host?.unref();
      channel?.unref?.();
    }
  };
  const settle = (id: number, result: RunResult) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (!pending.size) hold(false);
    p.resolve(result);
  };
  const start = (): ChildProcess => {
    const child = spawn(process.execPath, ["-e", TOOL_HOST], { stdio: ["ignore", "ignore", "inherit", "ipc"], serialization: "advanced" });
    child.on("message", (m: HostMessage) => {
      if (m.pid !== undefined) pending.get(m.id)?.request[3]?.onSpawn?.(m.pid);
      if (m.result) settle(m.id, m.result);
    });
    // Not started (or unreachable): the tools asked for so far, and all later, run from here.
    child.on("error", () => {
      failed = true;
      for (const [id, p] of pending) void runCommand(...p.request).then((r) => settle(id, r));
    });
    child.on("exit", () => {
      if (host === child) host = undefined;
      for (const id of [...pending.keys()]) settle(id, { code: 128, stdout: "", stderr: "the tool host ended" });
    });
    return child;
  };
  return (command, args, stdin, options) => {
    if (failed) return runCommand(command, args, stdin, options);
    return new Promise((resolve) => {
      host ??= start();
      const id = nextId++;
      pending.set(id, { resolve, request: [command, args, stdin, options] });
      hold(true);
      // Not sent, so not run: run from here.
      host.send({ id, command, args, stdin, completeAfterLines: options?.completeAfterLines }, (err) => {
        if (err) void runCommand(command, args, stdin, options).then((r) => settle(id, r));
      });
    });
  };
}
