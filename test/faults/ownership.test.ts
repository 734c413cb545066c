/**
 * One owner per embedded database (issue #20): a second `secgroups serve` on
 * the same `--data` directory, started while the first runs, exits non-zero
 * at once with a message naming the first one's pid and without touching a
 * file of the directory, and the first one loses nothing. Before the lock,
 * both ran and answered 201, each saw only its own writes, and after a
 * restart half of them were gone. Also: a SIGKILLed owner leaves no stale
 * lock (a new process starts on the directory right away), and a second
 * agent on one `--state-dir` is refused the same way.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { signHs256 } from "../../core/api/jwt";
import { Proc, startAgent, tempDir } from "../support/secgroups";
import { BIN, JWT_SECRET, ensureBuilt, figure, freePort, http, startServe, type Serve } from "./support";

jest.setTimeout(600_000);

const GROUPS = "/vpc/security-groups";
const token = signHs256(
  { org: "org_owner", sub: "faults", iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 7200 },
  JWT_SECRET,
);

/** Every file under `dir` with its size and mtime: what "did not touch the data" is checked against. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out[p.slice(dir.length)] = `${s.size} ${s.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}

/** Runs a command to its end; resolves with its exit code, output and duration. */
function runToExit(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, SECGROUPS_JWT_SECRET: JWT_SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = new Proc(child, args.join(" "));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return proc.exited.then((code) => {
    clearTimeout(timer);
    return { code, output: proc.text, ms: Date.now() - started };
  });
}

async function groupNames(base: string): Promise<string[]> {
  const names: string[] = [];
  for (let cursor: string | undefined; ; ) {
    const r = await http(base, { path: `${GROUPS}?limit=100${cursor ? `&cursor=${cursor}` : ""}`, token });
    if (r.status !== 200) throw new Error(`list: ${r.status} ${r.text}`);
    names.push(...(r.json as { name: string }[]).map((g) => g.name));
    cursor = r.headers["x-next-cursor"] as string | undefined;
    if (!cursor) return names.sort();
  }
}

const group = (name: string) => ({
  name,
  rules: [{ direction: "inbound", order: 1, protocol: 6, port: "443", address: "10.0.0.0/8", description: name }],
  sites: [],
});

let first: Serve | undefined;
let agent: Proc | undefined;
afterAll(async () => {
  await agent?.kill("SIGKILL");
  await first?.proc.kill("SIGKILL");
}, 30_000);

test("a second serve on the same --data is refused with the first one's pid; the first loses nothing", async () => {
  ensureBuilt();
  const data = tempDir("sg-faults-owner-");
  first = await startServe({ data });

  // The slip of the issue: a second process on the same directory, while the first runs and writes.
  const secondPort = await freePort();
  const writes = Array.from({ length: 60 }, (_, i) => `owned-${String(i).padStart(2, "0")}`);
  const second = runToExit(["serve", "--host", "127.0.0.1", "--port", String(secondPort), "--data", data, "--quiet"]);
  const statuses: number[] = [];
  for (const name of writes) statuses.push((await http(first.base, { method: "POST", path: GROUPS, token, body: group(name) })).status);
  const refused = await second;
  expect(refused.code).not.toBe(0);
  expect(refused.code).not.toBeNull();
  expect(refused.output).toContain(`the data directory ${data} is in use by another secgroups process (pid ${first.pid})`);
  expect(refused.output).not.toContain("listening");
  // It never listened.
  await expect(http(`http://127.0.0.1:${secondPort}`, { path: "/healthz", timeoutMs: 2000 })).rejects.toThrow();
  expect(statuses).toEqual(writes.map(() => 201));

  // A refused start while the first is idle changes no file of the directory.
  const idle = snapshot(data);
  const again = await runToExit(["serve", "--host", "127.0.0.1", "--port", String(secondPort), "--data", data, "--quiet"]);
  expect(again.code).toBe(1);
  expect(snapshot(data)).toEqual(idle);

  // Restart: everything acknowledged is there.
  await first.proc.kill("SIGTERM");
  first = await startServe({ data, port: first.port });
  expect(await groupNames(first.base)).toEqual(writes);

  // SIGKILL leaves no stale lock: a new owner starts on the directory at once, with the data.
  await first.proc.kill("SIGKILL");
  const restarting = Date.now();
  first = await startServe({ data });
  const restartMs = Date.now() - restarting;
  expect(await groupNames(first.base)).toEqual(writes);

  figure("ownership-serve", {
    writes_acknowledged: statuses.filter((s) => s === 201).length,
    groups_after_restart: writes.length,
    second_refused_ms: refused.ms,
    refused_idle_ms: again.ms,
    start_after_sigkill_ms: restartMs,
  });
});

test("a second agent on the same --state-dir is refused with the first one's pid; the first keeps running", async () => {
  const site = await http(first!.base, { method: "POST", path: "/vpc/sites", token, body: { name: "owned", platform: "nftables" } });
  expect(site.status).toBe(201);
  await http(first!.base, { method: "POST", path: GROUPS, token, body: { ...group("agent-owned"), sites: [site.json.id] } });
  const stateDir = tempDir("sg-faults-owner-agent-");
  const args = ["--endpoint", first!.base, "--site-token", site.json.token, "--state-dir", stateDir, "--dry-run", "--poll-wait", "5"];
  agent = startAgent(undefined, args);
  await agent.waitFor(/revision \d+ applied/, 60_000);

  const second = await runToExit(["agent", ...args]);
  expect(second.code).toBe(1);
  expect(second.output).toContain(`the agent state directory ${stateDir} is in use by another secgroups process (pid ${agent.child.pid})`);
  expect(agent.child.exitCode).toBeNull();

  // The first still serves its site: a change reaches it.
  const listed = await http(first!.base, { path: `${GROUPS}?limit=100`, token });
  const owned = (listed.json as { id: string; name: string }[]).find((g) => g.name === "agent-owned")!;
  const put = await http(first!.base, {
    method: "PUT",
    path: `${GROUPS}/${owned.id}`,
    token,
    body: { ...group("agent-owned"), rules: [{ ...group("x").rules[0], port: "8443" }], sites: [site.json.id] },
  });
  expect(put.status).toBe(200);
  await agent.waitFor(/revision 2 applied/, 60_000);
  figure("ownership-agent", { second_refused_ms: second.ms });
});
