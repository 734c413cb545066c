/**
 * Incremental apply end to end (issue #17): a real core (`secgroups serve`,
 * PGlite) and a real agent (`secgroups agent`, nftables) in one throw-away
 * network namespace, the site enforcing 200 prefix lists of 500 CIDRs
 * (100,000 CIDRs, 250 rules). Each run PUTs one prefix list with one prefix
 * replaced and times it until the site reads the new revision as applied
 * (GET /vpc/sites/{id}, polled every 5 ms). The anchor, interleaved in the
 * same namespace: a raw `nft -f` of the agent's own file of the same table
 * (the applied config and control-plane addresses from its state directory).
 * Also measured per change: the bytes of a full config poll and of a delta
 * poll (GET /agent/v1/config/delta?from=N) for that change.
 *
 * `cpuProfileDir` runs the core under `node --cpu-prof` (profile written when
 * the core stops); bench/harness/cpu-profile.ts sums it up.
 *
 *   npx tsc -p bench/harness/tsconfig.json && node dist/bench-build/bench/incremental.bench.js [runs] [--cpu-prof DIR]
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { signHs256 } from "../core/api/jwt";
import { nftablesFile } from "../core/platforms/nftables";
import { largePolicy } from "./agent-apply.bench";

const ROOT = resolve(__dirname, "..", "..", "..");
const BIN = join(ROOT, "bin", "secgroups.js");
const SECRET = "incremental-bench-secret-0123456789";
const PORT = 8787;

export interface IncrementalResult {
  /** PUT of one list with one prefix replaced, until the site reads the new revision as applied. */
  end_to_end_ms: number[];
  /** The PUT alone (validation, recompile, store, notify). */
  put_ms: number[];
  /** Raw `nft -f` of the agent's file of the same table, interleaved. */
  raw_nft_ms: number[];
  /** Bytes of a full config poll body of the site. */
  full_bytes: number;
  /** Bytes of a delta poll body for each change (null: the control plane serves no deltas). */
  delta_bytes: (number | null)[];
  /** The agent's log lines about the applies (how it applied: delta or full). */
  agent_log_tail: string;
  /** CLOCK_MONOTONIC (µs, the clock of V8's CPU profiles) when the timed runs began: cut a core profile there. */
  timed_from_us: number;
}

interface Reply {
  status: number;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

function call(socketPath: string, method: string, path: string, token: string, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = request(
      {
        socketPath,
        path,
        method,
        headers: {
          host: `127.0.0.1:${PORT}`,
          authorization: `Bearer ${token}`,
          ...(payload ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (b: Buffer) => chunks.push(b));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          done({ status: res.statusCode ?? 0, text, body: parsed });
        });
      },
    );
    req.on("error", fail);
    req.end(payload);
  });
}

function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((done, fail) => {
    let text = "";
    const timer = setTimeout(() => fail(new Error(`${what}: no ${pattern} within ${timeoutMs} ms:\n${text.slice(-2000)}`)), timeoutMs);
    const look = (b: Buffer) => {
      text += b.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout?.on("data", look);
    child.stderr?.on("data", look);
    child.on("exit", (code) => fail(new Error(`${what} exited (${code}):\n${text.slice(-2000)}`)));
  });
}

const RELAY = `
const net = require("net");
const [path, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(Number(port), "127.0.0.1");
  c.pipe(u).on("error", () => u.destroy());
  u.pipe(c).on("error", () => c.destroy());
  u.on("error", () => c.destroy());
  c.on("error", () => u.destroy());
}).listen(path, () => console.log("relaying"));
`;

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    child.kill("SIGTERM");
  });
}

export async function runIncremental(opts: {
  runs: number;
  cpuProfileDir?: string;
  log?: (s: string) => void;
  /** Tiny sizes (4 lists of 5 CIDRs, 4 rules), for the harness's smoke run. */
  smoke?: boolean;
}): Promise<IncrementalResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const ns = `sg-inc-${process.pid.toString(36)}`;
  const work = mkdtempSync(join(tmpdir(), "sg-incremental-"));
  const children: ChildProcess[] = [];
  execFileSync("ip", ["netns", "add", ns]);
  try {
    execFileSync("ip", ["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    const inNs = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
      spawn("ip", ["netns", "exec", ns, cmd, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const prof = opts.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", opts.cpuProfileDir] : [];
    const core = inNs(
      process.execPath,
      [...prof, BIN, "serve", "--host", "127.0.0.1", "--port", String(PORT), "--data", join(work, "data"), "--quiet"],
      { ...process.env, SECGROUPS_JWT_SECRET: SECRET },
    );
    children.push(core);
    await waitForOutput(core, /secgroups listening on/, "core");
    const socketPath = join(work, "api.sock");
    const relay = inNs(process.execPath, ["-e", RELAY, socketPath, String(PORT)]);
    children.push(relay);
    await waitForOutput(relay, /relaying/, "relay");
    const user = signHs256({ org: "org_incremental", exp: Math.floor(Date.now() / 1000) + 4 * 3600 }, SECRET);
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await call(socketPath, method, path, user, body);
      if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      return r.body;
    };

    const policy = largePolicy();
    if (opts.smoke) {
      policy.prefix_lists = policy.prefix_lists.slice(0, 4).map((l) => ({ ...l, prefixes: l.prefixes.slice(0, 5) }));
      policy.security_groups[0].rules = policy.security_groups[0].rules
        .slice(0, 4)
        .map((r, i) => ({ ...r, address: policy.prefix_lists[i].id }));
    }
    log(
      `incremental: ${policy.prefix_lists.length} prefix lists, one group of ${policy.security_groups[0].rules.length} rules, one nftables site`,
    );
    const site = await api("POST", "/vpc/sites", { name: "incremental", platform: "nftables" });
    const ids = new Map<string, string>();
    const lists: { id: string; name: string; prefixes: { cidr: string }[] }[] = [];
    for (const l of policy.prefix_lists) {
      const created = await api("POST", "/vpc/prefix-lists", { name: l.name, prefixes: l.prefixes });
      ids.set(l.id, created.id);
      lists.push({ id: created.id, name: l.name, prefixes: l.prefixes });
    }
    const rules = policy.security_groups[0].rules.map((r) => ({ ...r, address: ids.get(r.address) ?? r.address }));
    await api("POST", "/vpc/security-groups", { name: "incremental", rules, sites: [site.id] });

    const stateDir = join(work, "agent");
    const agent = inNs(process.execPath, [
      BIN,
      "agent",
      "--endpoint",
      `http://127.0.0.1:${PORT}`,
      "--site-token",
      site.token,
      "--state-dir",
      stateDir,
      "--poll-wait",
      "30",
    ]);
    children.push(agent);
    let agentLog = "";
    agent.stderr?.on("data", (b: Buffer) => (agentLog = (agentLog + b.toString()).slice(-20_000)));
    const applied = async (timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await api("GET", `/vpc/sites/${site.id}`);
        if (s.desired_revision > 0 && s.applied_revision === s.desired_revision) return s.desired_revision as number;
        if (Date.now() > deadline) throw new Error(`site not applied within ${timeoutMs} ms:\n${agentLog.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    let revision = await applied(300_000);
    log(`incremental: first revision ${revision} applied`);

    const result: IncrementalResult = {
      end_to_end_ms: [],
      put_ms: [],
      raw_nft_ms: [],
      full_bytes: 0,
      delta_bytes: [],
      agent_log_tail: "",
      timed_from_us: Number(process.hrtime.bigint() / 1000n),
    };
    const rawFile = join(work, "raw.nft");
    for (let i = 0; i < opts.runs; i++) {
      // The anchor: the agent's own file of the table it holds now, loaded raw in the same namespace.
      const state = JSON.parse(readFileSync(join(stateDir, "applied.json"), "utf8")) as {
        config: string;
        control_plane: Parameters<typeof nftablesFile>[1];
      };
      writeFileSync(rawFile, nftablesFile(state.config, state.control_plane));
      let t = performance.now();
      execFileSync("ip", ["netns", "exec", ns, "nft", "-f", rawFile]);
      result.raw_nft_ms.push(performance.now() - t);

      const list = lists[(i * 37) % lists.length];
      const k = i % list.prefixes.length;
      // One prefix replaced by another of the same list's range (unique: 192.168.x.0/24 is in no generated list).
      list.prefixes = list.prefixes.map((p, j) => (j === k ? { cidr: `192.168.${i % 256}.0/24` } : p));
      t = performance.now();
      await api("PUT", `/vpc/prefix-lists/${list.id}`, { name: list.name, prefixes: list.prefixes });
      result.put_ms.push(performance.now() - t);
      const next = await applied(120_000);
      result.end_to_end_ms.push(performance.now() - t);
      if (next <= revision) throw new Error(`revision did not advance (${revision} -> ${next})`);
      const full = await call(socketPath, "GET", "/agent/v1/config", site.token);
      result.full_bytes = Buffer.byteLength(full.text);
      const delta = await call(socketPath, "GET", `/agent/v1/config/delta?from=${revision}`, site.token);
      result.delta_bytes.push(delta.status === 200 ? Buffer.byteLength(delta.text) : null);
      log(
        `incremental: run ${i + 1}/${opts.runs}: end to end ${result.end_to_end_ms.at(-1)!.toFixed(0)} ms (PUT ${result.put_ms.at(-1)!.toFixed(0)} ms), raw nft -f ${result.raw_nft_ms.at(-1)!.toFixed(0)} ms`,
      );
      revision = next;
    }
    result.agent_log_tail = agentLog
      .split("\n")
      .filter((l) => /applied|delta|full/.test(l))
      .slice(-6)
      .join("\n");
    return result;
  } finally {
    for (const child of children.reverse()) await stop(child);
    try {
      execFileSync("ip", ["netns", "del", ns]);
    } catch {
      // Already gone.
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (require.main === module) {
  const args = process.argv.slice(2);
  const profAt = args.indexOf("--cpu-prof");
  const cpuProfileDir = profAt >= 0 ? resolve(args[profAt + 1]) : undefined;
  const runs = Number(args.find((a, i) => /^\d+$/.test(a) && i !== profAt + 1) ?? 5);
  runIncremental({ runs, cpuProfileDir })
    .then((r) => {
      console.log(
        JSON.stringify(
          {
            ...r,
            median_end_to_end_ms: median(r.end_to_end_ms),
            median_put_ms: median(r.put_ms),
            median_raw_nft_ms: median(r.raw_nft_ms),
            ratio: median(r.end_to_end_ms) / median(r.raw_nft_ms),
          },
          null,
          2,
        ),
      );
    })
    .catch((err: Error) => {
      console.error(err.stack);
      process.exit(1);
    });
}
