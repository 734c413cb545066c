#!/usr/bin/env node
/**
 * Regenerates the console's screenshots in docs/console/ (shown in the README), at 1280 and
 * 390 pixels wide: starts `secgroups serve` on loopback with a fresh PGlite directory, creates
 * a small organization through the API, runs dry-run agents for two sites (they report every
 * revision applied), lets a third report a failure through the agent protocol, and photographs
 * each page in Debian's chromium (playwright-core, no browser download).
 *
 *   npm run build && node scripts/console-screenshots.js [--out DIR]
 */
"use strict";
const { spawn, execFileSync } = require("node:child_process");
const { mkdtempSync, mkdirSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { chromium } = require("playwright-core");

const root = join(__dirname, "..");
const bin = join(root, "bin", "secgroups.js");
const outIndex = process.argv.indexOf("--out");
const outDir = outIndex > 0 ? process.argv[outIndex + 1] : join(root, "docs", "console");
const port = 18000 + Math.floor(Math.random() * 2000);
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, SECGROUPS_JWT_SECRET: `screenshots-${process.pid}-0123456789abcdef` };
const children = [];

function start(args, label) {
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  child.label = label;
  child.output = "";
  child.stdout.on("data", (b) => (child.output += b));
  child.stderr.on("data", (b) => (child.output += b));
  children.push(child);
  return child;
}

async function until(what, check, timeoutMs = 120_000) {
  const startAt = Date.now();
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() - startAt > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main() {
  const data = mkdtempSync(join(tmpdir(), "sg-shots-"));
  const server = start(["serve", "--host", "127.0.0.1", "--port", String(port), "--data", join(data, "db"), "--quiet"], "serve");
  await until("serve", async () => (await fetch(`${base}/healthz`)).ok);
  const token = execFileSync(process.execPath, [bin, "token", "--org", "acme", "--ttl", "1h"], { env, encoding: "utf8" }).trim();
  const call = async (method, path, body, auth = `Bearer ${token}`) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: auth, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const rule = (order, direction, protocol, port, address, description) => ({ direction, order, protocol, port, address, description });

  const office = await call("POST", "/vpc/prefix-lists", {
    name: "office",
    description: "Office networks",
    prefixes: [
      { cidr: "203.0.113.0/24", description: "HQ" },
      { cidr: "2001:db8:100::/48", description: "HQ IPv6" },
    ],
  });
  const monitoring = await call("POST", "/vpc/prefix-lists", {
    name: "monitoring",
    prefixes: [{ cidr: "198.51.100.16/28", description: "probes" }],
  });
  const sites = {};
  for (const [name, platform] of [
    ["web-1", "nftables"],
    ["web-2", "nftables"],
    ["db-1", "iptables"],
    ["edge-router", "routeros"],
  ]) {
    sites[name] = await call("POST", "/vpc/sites", { name, platform });
  }
  const webRules = [
    rule(10, "inbound", 6, "80,443", "0.0.0.0/0", "web from anywhere"),
    rule(11, "inbound", 6, "80,443", "::/0", "web from anywhere (IPv6)"),
    rule(20, "inbound", 6, "22", office.id, "ssh from the office"),
  ];
  const web = await call("POST", "/vpc/security-groups", {
    name: "web servers",
    description: "HTTP(S) for everyone, SSH from the office",
    rules: webRules,
    sites: [sites["web-1"].id, sites["web-2"].id],
  });
  await call("POST", "/vpc/security-groups", {
    name: "baseline",
    rules: [
      rule(1, "inbound", 6, "9100", monitoring.id, "node exporter from monitoring"),
      rule(200, "outbound", 0, "", "0.0.0.0/0", "all outbound"),
    ],
    sites: Object.values(sites).map((s) => s.id),
  });
  await call("POST", "/vpc/security-groups", {
    name: "database",
    rules: [rule(30, "inbound", 6, "5432", "10.0.0.0/8", "postgres from the private network")],
    sites: [sites["db-1"].id],
  });
  // A second revision of the web group, for the diff: SSH from monitoring too, HTTP only over TLS.
  await until("web group writable", async () => {
    const rules = [rule(10, "inbound", 6, "443", "0.0.0.0/0", "https from anywhere"), webRules[1], webRules[2]];
    rules.push(rule(21, "inbound", 6, "22", monitoring.id, "ssh from monitoring"));
    await call("PUT", `/vpc/security-groups/${web.id}`, { name: web.name, description: web.description, rules, sites: web.sites });
    return true;
  });

  for (const name of ["web-1", "web-2"]) {
    const state = mkdtempSync(join(tmpdir(), `sg-shots-${name}-`));
    start(
      [
        "agent",
        "--endpoint",
        base,
        "--site-token",
        sites[name].token,
        "--dry-run",
        "--state-dir",
        state,
        "--heartbeat",
        "2s",
        "--poll-wait",
        "5",
      ],
      name,
    );
  }
  // db-1 reports a failure the way its agent would.
  const agentAuth = `Bearer ${sites["db-1"].token}`;
  const config = await call("GET", "/agent/v1/config", undefined, agentAuth);
  await call(
    "POST",
    "/agent/v1/report",
    {
      revision: config.revision,
      status: "failed",
      error: "iptables-restore: line 14 failed: Chain 'SECGROUPS_IN' does not exist",
      digest: null,
    },
    agentAuth,
  );
  await until("web group active", async () => (await call("GET", `/vpc/security-groups/${web.id}`)).status === "active");

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: process.env.SECGROUPS_CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
  const pages = [
    ["signin", null],
    ["overview", "#/"],
    ["sites", "#/sites"],
    ["group", `#/groups/${web.id}`],
    ["site", `#/sites/${sites["web-1"].id}`],
  ];
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: width > 600 ? 800 : 844 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    for (const [name, hash] of pages) {
      if (hash === null) {
        await page.getByLabel("API token").waitFor();
      } else {
        if (name === "overview") {
          await page.getByLabel("API token").fill(token);
          await page.getByRole("button", { name: "Sign in" }).click();
        }
        await page.evaluate((h) => (location.hash = h), hash);
        await page.locator("main h1").waitFor();
        await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
        if (name === "site") {
          await page.getByRole("button", { name: "Show the diff" }).click();
          await page.getByTestId("review").waitFor();
        }
      }
      await page.waitForTimeout(300);
      const file = join(outDir, `${name}-${width}.png`);
      await page.screenshot({ path: file, fullPage: name !== "signin" });
      console.log(file);
    }
    await context.close();
  }
  await browser.close();
  server.kill();
}

main()
  .catch((err) => {
    console.error(err);
    for (const c of children) if (c.output) console.error(`--- ${c.label}\n${c.output.slice(-2000)}`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  });
