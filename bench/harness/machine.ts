import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as os from "node:os";

export interface Machine {
  date: string;
  nproc: number;
  memory_gib: number;
  cpu_model: string;
  loadavg_start: number[];
  loadavg_end?: number[];
  node: string;
  go: string;
  python: string;
  kernel: string;
  git_commit: string;
}

const tryRun = (cmd: string, args: string[], cwd?: string) => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", cwd, stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unavailable";
  }
};

export function describeMachine(repo: string): Machine {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  return {
    date: new Date().toISOString(),
    nproc: Number(tryRun("nproc", [])) || os.cpus().length,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpu_model: cpu,
    loadavg_start: os.loadavg().map((n) => Math.round(n * 100) / 100),
    node: process.version,
    go: tryRun("go", ["version"]).replace(/^go version /, ""),
    python: tryRun("/usr/bin/python3", ["--version"]),
    kernel: `${os.type()} ${os.release()}`,
    git_commit: tryRun("git", ["rev-parse", "--short", "HEAD"], repo),
  };
}
