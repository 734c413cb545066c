/**
 * Network namespaces for integration tests: each test creates its own with a
 * unique prefix, wires them with veth pairs (addresses only inside the
 * namespaces) and deletes them in afterAll, also after a failure.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

export function sh(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

export class Netns {
  private constructor(readonly name: string) {}

  static create(name: string): Netns {
    try {
      sh("ip", ["netns", "del", name]);
    } catch {
      // Not left over from an earlier run.
    }
    sh("ip", ["netns", "add", name]);
    const ns = new Netns(name);
    ns.exec("ip", ["link", "set", "lo", "up"]);
    return ns;
  }

  exec(command: string, args: string[], input?: string): string {
    return sh("ip", ["netns", "exec", this.name, command, ...args], input);
  }

  /** Like exec, but returns the exit code and output instead of throwing. */
  tryExec(command: string, args: string[]): { code: number; stdout: string; stderr: string } {
    try {
      return { code: 0, stdout: this.exec(command, args), stderr: "" };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  }

  spawn(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
    return spawn("ip", ["netns", "exec", this.name, command, ...args], options);
  }

  delete(): void {
    try {
      sh("ip", ["netns", "del", this.name]);
    } catch {
      // Already gone.
    }
  }
}

/**
 * A veth pair between two namespaces; each end gets its addresses (CIDR form,
 * IPv4 or IPv6) and is brought up. IPv6 addresses are added `nodad`, so they
 * are usable at once (no duplicate address detection delay); use ULA (fd00::/8).
 */
export function connect(a: Netns, aAddresses: string[], b: Netns, bAddresses: string[], prefix = "veth"): void {
  const aName = `${prefix}a`;
  const bName = `${prefix}b`;
  sh("ip", ["link", "add", aName, "netns", a.name, "type", "veth", "peer", "name", bName, "netns", b.name]);
  for (const [ns, dev, addrs] of [
    [a, aName, aAddresses],
    [b, bName, bAddresses],
  ] as const) {
    for (const addr of addrs) ns.exec("ip", ["addr", "add", addr, "dev", dev, ...(addr.includes(":") ? ["nodad"] : [])]);
    ns.exec("ip", ["link", "set", dev, "up"]);
  }
}

/** A short unique suffix so parallel test files and reruns never share namespace names. */
export function uniqueSuffix(): string {
  return `${process.pid.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/** Whether this process can create namespaces (root with iproute2): kernel tests need it. */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    sh("ip", ["netns", "list"]);
    return true;
  } catch {
    return false;
  }
}
