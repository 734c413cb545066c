#!/usr/bin/env node
/**
 * The main job: the example stack (Pulumi.yaml -> examples/pulumi-tiers: a
 * WebServerGroup and a DatabaseGroup whose application sources are the web
 * group, no subnet written down) brought up by the real `pulumi` CLI against an
 * embedded core, enforced by real site agents with nftables, then probed with
 * real TCP connections. Then membership is shown to be dynamic: one config
 * change (webSites) and `pulumi up` attach a second web site in a third
 * namespace to the web group, its agent reports its address, and web-2 reaches
 * the database with no change to the database group.
 *
 * Topology, all in network namespaces this script creates (addresses exist
 * only inside them; nothing touches the host's own network):
 *
 *   sgq-office 10.213.9.2 ──┐
 *   sgq-web-1  10.213.1.2 ──┤
 *   sgq-web-2  10.213.3.2 ──┼── sgq-cp (routes; core on :8787; runs pulumi) = "the internet"
 *   sgq-db-1   10.213.2.2 ──┘
 *
 * State (PGlite data, Pulumi's file backend, agent tokens) stays in
 * .secgroups/quickstart; each run starts from one web site (a second run
 * detaches and deletes web-2 first) and adds web-2 again.
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
const NS = { cp: "sgq-cp", office: "sgq-office", "web-1": "sgq-web-1", "web-2": "sgq-web-2", "db-1": "sgq-db-1" };
const LINKS = { office: 9, "web-1": 1, "db-1": 2, "web-2": 3 }; // third octet of each leaf's /24
const SITES = ["web-1", "web-2", "db-1"];
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

/**
 * Starts each site's agent as soon as `pulumi up` has written its token (once
 * per token: a re-created site gets a new one). A site left from an earlier run
 * gets its agent at once, so detaching it from a group can complete.
 * `retire(site)` stops that site's agents and forgets its token (the site was deleted).
 */
function agentLauncher(tokenDir) {
  const started = new Set();
  const running = new Map();
  const timer = setInterval(() => {
    for (const site of SITES) {
      const file = path.join(tokenDir, `${site}.token`);
      if (!fs.existsSync(file)) continue;
      const siteToken = fs.readFileSync(file, "utf8").trim();
      if (started.has(siteToken)) continue;
      started.add(siteToken);
      const endpoint = `http://10.213.${LINKS[site]}.1:${PORT}`;
      // Agent state belongs to one site: a re-created site (new token) starts fresh.
      const stateDir = path.join(
        home,
        "agents",
        `${site}-${require("node:crypto").createHash("sha256").update(siteToken).digest("hex").slice(0, 8)}`,
      );
      const agent = start(
        NS[site],
        [
          process.execPath,
          "bin/secgroups.js",
          "agent",
          "--endpoint",
          endpoint,
          "--site-token",
          siteToken,
          "--state-dir",
          stateDir,
          "--heartbeat",
          "5s",
        ],
        `agent-${site}`,
      );
      running.set(site, [...(running.get(site) ?? []), agent]);
      console.log(`   agent for ${site} started in ${NS[site]} (control plane ${endpoint})`);
    }
  }, 200);
  return {
    stop: () => clearInterval(timer),
    retire(site) {
      for (const agent of running.get(site) ?? []) agent.kill("SIGTERM");
      running.delete(site);
      fs.rmSync(path.join(tokenDir, `${site}.token`), { force: true });
    },
  };
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

/** GET from the API inside the control-plane namespace. */
function apiGet(token, apiPath) {
  const script = `fetch("http://127.0.0.1:${PORT}${apiPath}",{headers:{authorization:"Bearer ${token}"}}).then(async r=>{if(!r.ok)process.exit(1);process.stdout.write(await r.text())},()=>process.exit(1))`;
  return JSON.parse(inNs(NS.cp, process.execPath, ["-e", script]));
}

/** Until every site has applied its latest revision and every web site's agent has reported its address. */
async function converged(token, outputs) {
  await waitFor(
    "every site to apply its latest revision, with the web sites' addresses reported",
    () =>
      Object.entries(outputs.siteIds).every(([name, id]) => {
        const site = apiGet(token, `/vpc/sites/${id}`);
        const addressed = !name.startsWith("web-") || site.reported_addresses.length > 0 || site.addresses.length > 0;
        return addressed && site.applied_revision === site.desired_revision;
      }),
    120_000,
  );
}

async function showProbes(checks) {
  const results = await Promise.all(checks.map(([, from, , host, port]) => probe(from, host, port)));
  checks.forEach(([fromName, , to, , port], i) =>
    console.log(`   ${fromName.padEnd(8)} -> ${to.padEnd(5)} tcp/${String(port).padEnd(5)} ${results[i]}`),
  );
  return results;
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
    // PGlite creates its data directory on the first start: minutes on a busy machine.
    180_000,
  );
  const token = run(process.execPath, ["bin/secgroups.js", "token", "--org", "quickstart", "--ttl", "2h"], {
    env: { ...process.env, SECGROUPS_JWT_SECRET: secret },
  }).trim();

  // Every site serves a few ports, so the probes show what the firewall does.
  for (const site of SITES) {
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
  await pulumi(["config", "set", "officePrefixes", '["10.213.9.0/24"]'], env);
  await pulumi(["config", "set", "webSites", '["web-1"]'], env);
  const agents = agentLauncher(tokenDir);
  let outputs;
  try {
    await pulumi(["up", "--yes", "--skip-preview"], env, { echo: true });
    outputs = JSON.parse(await pulumi(["stack", "output", "--json"], env));
    // A rerun starts from one web site: web-2 of the last run was detached and deleted by this `up`.
    for (const site of SITES) if (!outputs.siteIds[site]) agents.retire(site);
    await converged(token, outputs);
    console.log(
      `   web group ${outputs.webGroupId}: ${outputs.webStatus}; database group ${outputs.databaseGroupId}: ${outputs.databaseStatus}`,
    );

    say("what the firewall lets through (real TCP connections)");
    await showProbes([
      ["internet", NS.cp, "web-1", "10.213.1.2", 80],
      ["internet", NS.cp, "web-1", "10.213.1.2", 443],
      ["internet", NS.cp, "web-1", "10.213.1.2", 22],
      ["office", NS.office, "web-1", "10.213.1.2", 22],
      ["internet", NS.cp, "db-1", "10.213.2.2", 5432],
      ["web-1", NS["web-1"], "db-1", "10.213.2.2", 5432],
      ["office", NS.office, "db-1", "10.213.2.2", 22],
      ["internet", NS.cp, "db-1", "10.213.2.2", 22],
      ["web-2", NS["web-2"], "db-1", "10.213.2.2", 5432],
    ]);

    // Membership is dynamic: one config change adds web-2 to the web group; the database group is not touched.
    say("a second web server: webSites = [web-1, web-2], pulumi up (the database group is not changed)");
    const before = apiGet(token, `/vpc/security-groups/${outputs.databaseGroupId}`);
    await pulumi(["config", "set", "webSites", '["web-1","web-2"]'], env);
    await pulumi(["up", "--yes", "--skip-preview"], env, { echo: true });
    outputs = JSON.parse(await pulumi(["stack", "output", "--json"], env));
    await converged(token, outputs);
    const after = apiGet(token, `/vpc/security-groups/${outputs.databaseGroupId}`);
    const web2 = apiGet(token, `/vpc/sites/${outputs.siteIds["web-2"]}`);
    const same = JSON.stringify(before.rules) === JSON.stringify(after.rules) && before.updated_at === after.updated_at;
    console.log(`   web-2 (${outputs.siteIds["web-2"]}) reported ${web2.reported_addresses.join(", ")}`);
    console.log(
      `   database group ${after.id}: ${same ? "unchanged" : "CHANGED"} (updated_at ${after.updated_at}), status ${after.status}`,
    );

    say("what the firewall lets through now (real TCP connections)");
    const results = await showProbes([
      ["web-2", NS["web-2"], "db-1", "10.213.2.2", 5432],
      ["web-1", NS["web-1"], "db-1", "10.213.2.2", 5432],
      ["internet", NS.cp, "web-2", "10.213.3.2", 80],
      ["internet", NS.cp, "web-2", "10.213.3.2", 22],
      ["internet", NS.cp, "db-1", "10.213.2.2", 5432],
    ]);
    if (!same || results[0] !== "open") throw new Error("web-2 should reach db-1 on tcp/5432 with the database group unchanged");
  } finally {
    agents.stop();
  }

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
