#!/usr/bin/env node
/**
 * The main job: the example stack (Pulumi.yaml -> examples/pulumi-web) brought
 * up by the real `pulumi` CLI against an embedded core, enforced by real site
 * agents with nftables, then probed with real TCP connections.
 *
 * Topology, all in network namespaces this script creates (addresses exist
 * only inside them; nothing touches the host's own network):
 *
 *   sgq-office 10.213.9.2 ──┐
 *   sgq-web-1  10.213.1.2 ──┼── sgq-cp (routes; core on :8787; runs pulumi) = "the internet"
 *   sgq-db-1   10.213.2.2 ──┘
 *
 * State (PGlite data, Pulumi's file backend, agent tokens) stays in
 * .secgroups/quickstart, so a second run finds the stack up to date.
 * Flags: --keep leaves everything running; --destroy runs `pulumi destroy` at the end.
 */
"use strict";
const { execFileSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const repo = path.resolve(__dirname, "..");
const home = path.join(repo, ".secgroups", "quickstart");
const keep = process.argv.includes("--keep");
const destroy = process.argv.includes("--destroy");
const NS = { cp: "sgq-cp", office: "sgq-office", "web-1": "sgq-web-1", "db-1": "sgq-db-1" };
const LINKS = { office: 9, "web-1": 1, "db-1": 2 }; // third octet of each leaf's /24
const PORT = 8787;
const secret = "quickstart-secret-not-for-production";
const children = [];

const say = (text) => console.log(`\n== ${text}`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...opts });
const inNs = (ns, cmd, args, opts) => run("ip", ["netns", "exec", ns, cmd, ...args], opts);

function topology() {
  for (const ns of Object.values(NS)) {
    try {
      run("ip", ["netns", "del", ns]);
    } catch {
      /* not there */
    }
    run("ip", ["netns", "add", ns]);
    inNs(ns, "ip", ["link", "set", "lo", "up"]);
  }
  inNs(NS.cp, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
  for (const [leaf, octet] of Object.entries(LINKS)) {
    const a = `sgq${octet}a`;
    const b = `sgq${octet}b`;
    run("ip", ["link", "add", a, "netns", NS.cp, "type", "veth", "peer", "name", b, "netns", NS[leaf]]);
    inNs(NS.cp, "ip", ["addr", "add", `10.213.${octet}.1/24`, "dev", a]);
    inNs(NS.cp, "ip", ["link", "set", a, "up"]);
    inNs(NS[leaf], "ip", ["addr", "add", `10.213.${octet}.2/24`, "dev", b]);
    inNs(NS[leaf], "ip", ["link", "set", b, "up"]);
    inNs(NS[leaf], "ip", ["route", "add", "default", "via", `10.213.${octet}.1`]);
  }
}

function start(ns, args, logName) {
  const log = fs.openSync(path.join(home, `${logName}.log`), "a");
  const child = spawn("ip", ["netns", "exec", ns, ...args], {
    stdio: ["ignore", log, log],
    env: { ...process.env, SECGROUPS_JWT_SECRET: secret },
  });
  children.push(child);
  return child;
}

async function waitFor(what, check, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts each site's agent as soon as `pulumi up` has written its token. */
function agentLauncher(tokenDir) {
  const started = new Set();
  const timer = setInterval(() => {
    for (const site of ["web-1", "db-1"]) {
      const file = path.join(tokenDir, `${site}.token`);
      if (started.has(site) || !fs.existsSync(file)) continue;
      started.add(site);
      const endpoint = `http://10.213.${LINKS[site]}.1:${PORT}`;
      start(
        NS[site],
        [
          process.execPath,
          "bin/secgroups.js",
          "agent",
          "--endpoint",
          endpoint,
          "--site-token",
          fs.readFileSync(file, "utf8").trim(),
          "--state-dir",
          path.join(home, "agents", site),
          "--heartbeat",
          "5s",
        ],
        `agent-${site}`,
      );
      console.log(`   agent for ${site} started in ${NS[site]} (control plane ${endpoint})`);
    }
  }, 200);
  return () => clearInterval(timer);
}

/** Runs the pulumi CLI in the control-plane namespace; async, so agents can start while `up` waits for them. */
function pulumi(args, env, { echo = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn("ip", ["netns", "exec", NS.cp, "pulumi", ...args, "--stack", "quickstart", "--non-interactive"], {
      cwd: repo,
      env,
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (echo) process.stdout.write(d);
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`pulumi ${args.join(" ")} failed (exit ${code})${echo ? "" : "\n" + out}`)),
    );
  });
}

/** Opens a TCP connection from one namespace to another; "open" if it connects within 1.5 s. */
function probe(fromNs, host, port) {
  const script = `const s=require("net").connect({host:${JSON.stringify(host)},port:${port}});s.setTimeout(1500,()=>{console.log("closed");process.exit()});s.on("connect",()=>{console.log("open");process.exit()});s.on("error",()=>{console.log("closed");process.exit()})`;
  return new Promise((resolve) => {
    const child = spawn("ip", ["netns", "exec", fromNs, process.execPath, "-e", script]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", () => resolve(out.trim() || "closed"));
  });
}

async function main() {
  if (process.getuid && process.getuid() !== 0) throw new Error("run as root: the quickstart creates network namespaces");
  fs.mkdirSync(home, { recursive: true });
  const tokenDir = path.join(home, "tokens");

  say("network namespaces (sgq-*)");
  topology();

  say(`embedded core (PGlite in ${path.relative(repo, home)}/data) in ${NS.cp}`);
  start(
    NS.cp,
    [
      process.execPath,
      "bin/secgroups.js",
      "serve",
      "--host",
      "0.0.0.0",
      "--port",
      String(PORT),
      "--data",
      path.join(home, "data"),
      "--sync-timeout",
      "2m",
    ],
    "core",
  );
  await waitFor(
    "the core",
    async () =>
      inNs(NS.cp, process.execPath, [
        "-e",
        `fetch("http://127.0.0.1:${PORT}/healthz").then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
      ]) !== undefined,
  );
  const token = run(process.execPath, ["bin/secgroups.js", "token", "--org", "quickstart", "--ttl", "2h"], {
    env: { ...process.env, SECGROUPS_JWT_SECRET: secret },
  }).trim();

  // Every site serves a few ports, so the probes show what the firewall does.
  for (const site of ["web-1", "db-1"]) {
    start(
      NS[site],
      [process.execPath, "-e", `for (const p of [22, 80, 443, 5432]) require("net").createServer((s) => s.end()).listen(p, "0.0.0.0")`],
      `listeners-${site}`,
    );
  }

  say("pulumi up (file:// backend, stack quickstart)");
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${path.join(home, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "quickstart",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    SECGROUPS_ENDPOINT: `http://127.0.0.1:${PORT}`,
    SECGROUPS_TOKEN: token,
  };
  fs.mkdirSync(path.join(home, "state"), { recursive: true });
  await pulumi(["stack", "select", "--create"], env);
  await pulumi(["config", "set", "--plaintext", "agentTokenDir", tokenDir], env);
  await pulumi(["config", "set", "webSubnet", "10.213.1.0/24"], env);
  await pulumi(["config", "set", "officePrefixes", '["10.213.9.0/24"]'], env);
  const stopLauncher = agentLauncher(tokenDir);
  try {
    await pulumi(["up", "--yes", "--skip-preview"], env, { echo: true });
  } finally {
    stopLauncher();
  }
  const outputs = JSON.parse(await pulumi(["stack", "output", "--json"], env));
  console.log(
    `   web group ${outputs.webGroupId}: ${outputs.webStatus}; database group ${outputs.databaseGroupId}: ${outputs.databaseStatus}`,
  );

  say("what the firewall lets through (real TCP connections)");
  const checks = [
    ["internet", NS.cp, "web-1", "10.213.1.2", 80],
    ["internet", NS.cp, "web-1", "10.213.1.2", 443],
    ["internet", NS.cp, "web-1", "10.213.1.2", 22],
    ["office", NS.office, "web-1", "10.213.1.2", 22],
    ["internet", NS.cp, "db-1", "10.213.2.2", 5432],
    ["web-1", NS["web-1"], "db-1", "10.213.2.2", 5432],
    ["office", NS.office, "db-1", "10.213.2.2", 22],
    ["internet", NS.cp, "db-1", "10.213.2.2", 22],
  ];
  const results = await Promise.all(checks.map(([, from, , host, port]) => probe(from, host, port)));
  checks.forEach(([fromName, , to, , port], i) =>
    console.log(`   ${fromName.padEnd(8)} -> ${to.padEnd(5)} tcp/${String(port).padEnd(5)} ${results[i]}`),
  );

  if (destroy) {
    say("pulumi destroy");
    await pulumi(["destroy", "--yes", "--skip-preview"], env, { echo: true });
  }
  if (keep) {
    say(
      `left running; API at http://127.0.0.1:${PORT} inside ${NS.cp}: ip netns exec ${NS.cp} curl -H "Authorization: Bearer $(SECGROUPS_JWT_SECRET=${secret} npx secgroups token --org quickstart)" http://127.0.0.1:${PORT}/vpc/security-groups`,
    );
    return;
  }
  say("done; stopping the core and the agents (state kept in .secgroups/quickstart)");
}

function cleanup() {
  for (const child of children) child.kill("SIGTERM");
  for (const ns of Object.values(NS)) {
    try {
      run("ip", ["netns", "del", ns]);
    } catch {
      /* gone */
    }
  }
}

main().then(
  () => {
    if (!keep) cleanup();
  },
  (err) => {
    console.error(`quickstart failed: ${err.message}${err.stderr ? "\n" + err.stderr : ""}\nlogs: ${path.relative(repo, home)}/*.log`);
    cleanup();
    process.exitCode = 1;
  },
);
