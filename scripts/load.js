#!/usr/bin/env node
/**
 * Mixed API and agent load on loopback against a real `secgroups serve`
 * child process; stops by itself.
 *
 *   node scripts/load.js --minutes 5 --rate 200 [--agents 20] [--database-url postgres://...] [--json FILE]
 *
 * - API: an open-loop schedule of --rate requests/s (one started every
 *   1/rate s, at most --max-inflight at once; a tick that finds the cap full
 *   is counted as `skipped`, never queued): 40% list groups, 20% get a group,
 *   10% create a group, 10% replace a group with If-Match, 5% delete a
 *   group, 10% replace a group attached to sites (200, or 409 while it
 *   syncs), 5% list sites.
 * - Agents: --agents dry-run agents (the real agent loop of core/agent with
 *   the dry-run enforcer, in this process), long-polling, reporting every
 *   revision and heartbeating every 5 s.
 * - Measured: latency p50/p99/max per operation and overall, errors (any
 *   transport error, 5xx or status an operation does not expect — must be
 *   0), the server's RSS every 5 s, revisions the agents applied, load
 *   average at the start and the end.
 *
 * The server listens on 127.0.0.1 only; PGlite in a temporary directory
 * unless --database-url is given. Exits 1 if any error was counted.
 */
"use strict";
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { parseArgs } = require("node:util");

const repo = path.resolve(__dirname, "..");
const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "5" },
    rate: { type: "string", default: "200" },
    agents: { type: "string", default: "20" },
    "max-inflight": { type: "string", default: "64" },
    "database-url": { type: "string" },
    json: { type: "string" },
    quiet: { type: "boolean", default: false },
  },
});
const MINUTES = Number(args.minutes);
const RATE = Number(args.rate);
const AGENTS = Number(args.agents);
const MAX_INFLIGHT = Number(args["max-inflight"]);
if (!(MINUTES > 0 && MINUTES <= 120) || !(RATE > 0 && RATE <= 5000) || !(AGENTS >= 0 && AGENTS <= 500) || !(MAX_INFLIGHT > 0)) {
  console.error(
    "usage: node scripts/load.js --minutes M (0-120] --rate R (0-5000] [--agents N (0-500)] [--max-inflight N] [--database-url URL] [--json FILE]",
  );
  process.exit(2);
}
const say = (...m) => args.quiet || console.log(...m);

// dist/ is what `secgroups serve` runs; build it when it is missing.
if (!fs.existsSync(path.join(repo, "dist", "core", "agent", "loop.js"))) {
  execFileSync(path.join(repo, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], { cwd: repo, stdio: "inherit" });
}
const { signHs256 } = require(path.join(repo, "dist", "core", "api", "jwt.js"));
const { Agent } = require(path.join(repo, "dist", "core", "agent", "loop.js"));
const { Backoff } = require(path.join(repo, "dist", "core", "agent", "backoff.js"));
const { HttpAgentApi } = require(path.join(repo, "dist", "core", "agent", "client.js"));
const { DryRunEnforcer } = require(path.join(repo, "dist", "core", "agent", "dry-run.js"));
const { createAgentLog } = require(path.join(repo, "dist", "core", "agent", "log.js"));

const SECRET = "load-test-secret-" + process.pid + "-0123456789abcdef";
const now = () => Math.floor(Date.now() / 1000);
const token = signHs256({ org: "org_load", sub: "load", iat: now(), exp: now() + 24 * 3600 }, SECRET);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: MAX_INFLIGHT });
let port;
function call(method, p, body, headers = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: p,
        method,
        agent: keepAlive,
        timeout: 60_000,
        headers: { authorization: `Bearer ${token}`, ...(payload ? { "content-type": "application/json" } : {}), ...headers },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, json, text });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timed out after 60 s")));
    req.end(payload);
  });
}

function quantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : null;
}

async function main() {
  port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-load-"));
  const serveArgs = [
    path.join(repo, "bin", "secgroups.js"),
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--quiet",
    "--sync-timeout",
    "1h",
  ];
  if (args["database-url"]) serveArgs.push("--database-url", args["database-url"]);
  else serveArgs.push("--data", dataDir);
  const serve = spawn(process.execPath, serveArgs, {
    env: { ...process.env, SECGROUPS_JWT_SECRET: SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let serveOutput = "";
  serve.stdout.on("data", (d) => (serveOutput += d));
  serve.stderr.on("data", (d) => (serveOutput += d));
  const stopServe = () => {
    if (serve.exitCode === null && serve.signalCode === null) serve.kill("SIGTERM");
  };
  process.on("exit", stopServe);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
  const startDeadline = Date.now() + 180_000;
  while (!/secgroups listening on/.test(serveOutput)) {
    if (serve.exitCode !== null) throw new Error(`serve exited:\n${serveOutput}`);
    if (Date.now() > startDeadline) throw new Error(`serve did not start:\n${serveOutput}`);
    await sleep(50);
  }
  const loadStart = os.loadavg();
  say(
    `load: serve pid ${serve.pid} on 127.0.0.1:${port} (${args["database-url"] ? "PostgreSQL" : "PGlite"}); ${MINUTES} min at ${RATE} req/s, ${AGENTS} agents; load average ${loadStart.map((x) => x.toFixed(2)).join(" ")}`,
  );

  // Fixtures: sites with agents, one prefix list, attached groups, a pool of plain groups.
  const must = async (method, p, body, expect) => {
    const r = await call(method, p, body);
    if (r.status !== expect) throw new Error(`${method} ${p}: ${r.status} ${r.text}`);
    return r.json;
  };
  const sites = [];
  for (let i = 0; i < Math.max(AGENTS, 1); i++)
    sites.push(await must("POST", "/vpc/sites", { name: `load-site-${i}`, platform: "nftables" }, 201));
  const list = await must(
    "POST",
    "/vpc/prefix-lists",
    { name: "load list", prefixes: Array.from({ length: 50 }, (_, i) => ({ cidr: `10.${i}.0.0/16` })), sites: [] },
    201,
  );
  const rules = (n, port0) =>
    Array.from({ length: n }, (_, i) => ({
      direction: "inbound",
      order: i + 1,
      protocol: 6,
      port: String(port0 + i),
      address: i % 3 ? "0.0.0.0/0" : list.id,
      description: `load rule ${i + 1}`,
    }));
  const attached = [];
  for (let i = 0; i < 5; i++) {
    const siteIds = sites.filter((_, j) => j % 5 === i).map((s) => s.id);
    attached.push({
      id: (await must("POST", "/vpc/security-groups", { name: `attached ${i}`, rules: rules(20, 1000), sites: AGENTS ? siteIds : [] }, 201))
        .id,
      n: 0,
      sites: AGENTS ? siteIds : [],
    });
  }
  const pool = [];
  for (let i = 0; i < 20; i++) {
    const r = await call("POST", "/vpc/security-groups", { name: `pool ${i}`, rules: rules(10, 2000), sites: [] });
    pool.push({ id: r.json.id, etag: null });
  }

  // Agents.
  let applied = 0;
  const agents = sites.slice(0, AGENTS).map((site) => {
    const agent = new Agent({
      api: new HttpAgentApi(`http://127.0.0.1:${port}`, site.token),
      enforcerFor: () => ({
        async apply(...a) {
          applied++;
          return DryRunEnforcer.prototype.apply.apply(this, a);
        },
        check: async () => [],
        remove: async () => undefined,
        present: async () => true,
      }),
      resolveControlPlane: async () => [{ address: "127.0.0.1", port }],
      stateDir: fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-load-agent-")),
      pollWaitSeconds: 30,
      heartbeatMs: 5000,
      driftCheckMs: 60_000,
      backoff: new Backoff({ maxMs: 2000 }),
      log: createAgentLog({ level: "silent" }),
    });
    return { agent, running: agent.run() };
  });

  // The schedule.
  const ops = [
    [0.4, "list groups", () => call("GET", "/vpc/security-groups?limit=50"), [200]],
    [0.2, "get group", () => call("GET", `/vpc/security-groups/${pick(pool).id}`), [200, 404]],
    [
      0.1,
      "create group",
      async () => {
        const r = await call("POST", "/vpc/security-groups", {
          name: `load ${Date.now()}`,
          rules: rules(1 + Math.floor(Math.random() * 30), 3000),
          sites: [],
        });
        if (r.status === 201) pool.push({ id: r.json.id, etag: r.headers.etag });
        return r;
      },
      [201],
    ],
    [
      0.1,
      "replace group (If-Match)",
      async () => {
        const g = pick(pool);
        let etag = g.etag;
        if (!etag) {
          const r = await call("GET", `/vpc/security-groups/${g.id}`);
          if (r.status !== 200) return r;
          etag = r.headers.etag;
        }
        const r = await call(
          "PUT",
          `/vpc/security-groups/${g.id}`,
          { name: `replaced ${Date.now()}`, rules: rules(1 + Math.floor(Math.random() * 30), 4000), sites: [] },
          { "if-match": etag },
        );
        g.etag = r.status === 200 ? r.headers.etag : null;
        return r;
      },
      [200, 404, 412],
    ],
    [
      0.05,
      "delete group",
      async () => {
        if (pool.length < 20) return call("GET", "/vpc/security-groups?limit=1");
        const g = pool.splice(Math.floor(Math.random() * pool.length), 1)[0];
        return call("DELETE", `/vpc/security-groups/${g.id}`);
      },
      [200, 204],
    ],
    [
      0.1,
      "replace attached group",
      async () => {
        const g = pick(attached);
        return call("PUT", `/vpc/security-groups/${g.id}`, {
          name: `attached ${g.id.slice(-4)} ${++g.n}`,
          rules: rules(20, 1000 + (g.n % 50)),
          sites: g.sites,
        });
      },
      [200, 409],
    ],
    [0.05, "list sites", () => call("GET", "/vpc/sites?limit=100"), [200]],
  ];
  function pick(a) {
    return a[Math.floor(Math.random() * a.length)];
  }
  const stats = new Map(ops.map(([, name]) => [name, { latencies: [], statuses: {}, errors: 0 }]));
  const errors = [];
  let inflight = 0;

  let skipped = 0;
  const memory = [{ t: 0, rss_kib: rssKiB(serve.pid) }];
  const t0 = Date.now();
  const end = t0 + MINUTES * 60_000;
  const memTimer = setInterval(() => memory.push({ t: Math.round((Date.now() - t0) / 1000), rss_kib: rssKiB(serve.pid) }), 5000);
  const progress = setInterval(() => {
    const done = [...stats.values()].reduce((n, s) => n + s.latencies.length, 0);
    say(
      `load: ${Math.round((Date.now() - t0) / 1000)} s, ${done} requests, ${errors.length} errors, ${skipped} skipped, rss ${Math.round(memory[memory.length - 1].rss_kib / 1024)} MiB, agents applied ${applied}`,
    );
  }, 30_000);
  const pending = new Set();
  const interval = 1000 / RATE;
  for (let i = 0; Date.now() < end; i++) {
    const due = t0 + i * interval;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    if (inflight >= MAX_INFLIGHT) {
      skipped++;
      continue;
    }
    let x = Math.random();
    const op = ops.find(([w]) => (x -= w) < 0) ?? ops[0];
    const [, name, run, expected] = op;
    const s = stats.get(name);
    inflight++;
    const t = process.hrtime.bigint();
    const p = run()
      .then((r) => {
        s.latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        s.statuses[r.status] = (s.statuses[r.status] ?? 0) + 1;
        if (!expected.includes(r.status)) {
          s.errors++;
          errors.push(`${name}: ${r.status} ${r.text.slice(0, 200)}`);
        }
      })
      .catch((err) => {
        s.latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        s.errors++;
        errors.push(`${name}: ${err.message}`);
      })
      .finally(() => {
        inflight--;
        pending.delete(p);
      });
    pending.add(p);
  }
  await Promise.all(pending);
  const seconds = (Date.now() - t0) / 1000;
  clearInterval(memTimer);
  clearInterval(progress);
  memory.push({ t: Math.round(seconds), rss_kib: rssKiB(serve.pid) });

  // Convergence after the load: every attached group active (agents caught up).
  let converged = AGENTS === 0;
  const convergeStart = Date.now();
  while (!converged && Date.now() - convergeStart < 120_000) {
    const states = await Promise.all(attached.map((g) => call("GET", `/vpc/security-groups/${g.id}`)));
    converged = states.every((r) => r.status === 200 && r.json.status === "active");
    if (!converged) await sleep(500);
  }
  for (const a of agents) a.agent.stop();
  stopServe();
  await Promise.race([Promise.all(agents.map((a) => a.running.catch(() => undefined))), sleep(10_000)]);
  keepAlive.destroy();

  const all = [...stats.values()].flatMap((s) => s.latencies).sort((a, b) => a - b);
  const round = (x) => (x === null ? null : Math.round(x * 10) / 10);
  const summary = {
    minutes: MINUTES,
    rate_target: RATE,
    agents: AGENTS,
    engine: args["database-url"] ? "postgres" : "pglite",
    seconds: Math.round(seconds),
    requests: all.length,
    rate_achieved: Math.round((all.length / seconds) * 10) / 10,
    skipped_at_inflight_cap: skipped,
    errors: errors.length,
    latency_ms: { p50: round(quantile(all, 0.5)), p99: round(quantile(all, 0.99)), max: round(all[all.length - 1] ?? null) },
    per_operation: Object.fromEntries(
      [...stats].map(([name, s]) => {
        const l = [...s.latencies].sort((a, b) => a - b);
        return [
          name,
          { requests: l.length, p50: round(quantile(l, 0.5)), p99: round(quantile(l, 0.99)), statuses: s.statuses, errors: s.errors },
        ];
      }),
    ),
    agent_revisions_applied: applied,
    converged_after_load: converged,
    rss_mib: {
      start: Math.round(memory[0].rss_kib / 1024),
      max: Math.round(Math.max(...memory.map((m) => m.rss_kib)) / 1024),
      end: Math.round(memory[memory.length - 1].rss_kib / 1024),
      every_30s: memory
        .filter((m, i) => i === 0 || m.t % 30 < 5 || i === memory.length - 1)
        .map((m) => [m.t, Math.round(m.rss_kib / 1024)]),
    },
    load_average: { start: loadStart.map((x) => Math.round(x * 100) / 100), end: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    cpus: os.cpus().length,
    first_errors: errors.slice(0, 10),
  };
  console.log(JSON.stringify(summary, null, 2));
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(summary, null, 2) + "\n");
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(errors.length || !converged ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
