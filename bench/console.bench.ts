/**
 * The web console's overview of an organization with 1,000 sites, measured in the browser
 * (Debian's chromium through playwright-core): from navigation start to the first render
 * with the API's data (the performance mark `console:interactive` the overview sets once its
 * counts and lists are on screen), in a fresh browser context each run (nothing cached,
 * token already in the tab's sessionStorage). Target (issue #19): <= 1 s, median.
 *
 * The organization: 1,000 sites, 10 groups of 100 sites each, 5 prefix lists; 600 sites'
 * agents heartbeat (online), 20 of them report a failure (their groups fail).
 *
 *   npx tsc -p bench/harness/tsconfig.json && node dist/bench-build/bench/console.bench.js [runs]
 * from the repository, after `npm run build` (it runs bin/secgroups.js serve and the built console).
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { chromium } from "playwright-core";

export interface ConsoleBenchOptions {
  repo: string;
  sites: number;
  runs: number;
  warmup: number;
  log: (line: string) => void;
}

export interface ConsoleBenchResult {
  /** Navigation start to the overview's first render with data, ms, per timed run. */
  interactive_ms: number[];
  /** The same API reads (every page of sites, groups, prefix lists) from Node, no browser, ms per run. */
  api_reads_ms: number[];
  sites: number;
}

const SECRET = "console-bench-secret-0123456789abcdef";

export async function measureConsoleOverview(opts: ConsoleBenchOptions): Promise<ConsoleBenchResult> {
  const bin = join(opts.repo, "bin", "secgroups.js");
  const env = { ...process.env, SECGROUPS_JWT_SECRET: SECRET };
  const port = 19000 + Math.floor(Math.random() * 900);
  const base = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "sg-console-bench-"));
  const data = join(dir, "db");
  const server: ChildProcess = spawn(
    process.execPath,
    [bin, "serve", "--host", "127.0.0.1", "--port", String(port), "--data", data, "--quiet"],
    {
      env,
      stdio: "ignore",
    },
  );
  try {
    await until(async () => (await fetch(`${base}/healthz`)).ok, 180_000);
    const token = execFileSync(process.execPath, [bin, "token", "--org", "bench", "--ttl", "2h"], { env, encoding: "utf8" }).trim();
    await seed(base, token, opts);
    const readAll = async () => {
      for (const path of ["/vpc/sites", "/vpc/security-groups", "/vpc/prefix-lists"]) {
        let cursor: string | null = null;
        do {
          const res: Response = await fetch(`${base}${path}?limit=100${cursor ? `&cursor=${cursor}` : ""}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await res.json();
          cursor = res.headers.get("x-next-cursor");
        } while (cursor);
      }
    };
    const browser = await chromium.launch({
      executablePath: process.env.SECGROUPS_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox"],
    });
    const interactive: number[] = [];
    const reads: number[] = [];
    try {
      for (let i = 0; i < opts.warmup + opts.runs; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        await context.addInitScript({ content: `sessionStorage.setItem("secgroups.console.token", ${JSON.stringify(token)})` });
        const page = await context.newPage();
        await page.goto(`${base}/console#/`);
        // globalThis: the page's own performance (this file's `performance` is Node's). Polled with
        // evaluate: waitForFunction evaluates a string in the page, which the console's CSP refuses.
        type PagePerformance = { performance: { getEntriesByName(name: string): { startTime: number }[] } };
        const interactiveAt = () =>
          page.evaluate(
            () => (globalThis as unknown as PagePerformance).performance.getEntriesByName("console:interactive")[0]?.startTime ?? null,
          );
        const deadline = Date.now() + 60_000;
        let at = await interactiveAt();
        while (at === null) {
          if (Date.now() > deadline) throw new Error("the overview did not render within 60 s");
          await new Promise((r) => setTimeout(r, 20));
          at = await interactiveAt();
        }
        const ms = at;
        const shown = await page.getByTestId("counts").textContent();
        if (!shown?.includes(String(opts.sites))) throw new Error(`the overview does not show ${opts.sites} sites: ${shown}`);
        await context.close();
        const start = performance.now();
        await readAll();
        const read = performance.now() - start;
        if (i >= opts.warmup) {
          interactive.push(ms);
          reads.push(read);
        }
        opts.log(`console: run ${i + 1}: interactive ${ms.toFixed(0)} ms, API reads alone ${read.toFixed(0)} ms`);
      }
    } finally {
      await browser.close();
    }
    return { interactive_ms: interactive, api_reads_ms: reads, sites: opts.sites };
  } finally {
    server.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function seed(base: string, token: string, opts: ConsoleBenchOptions): Promise<void> {
  const call = async (method: string, path: string, body?: unknown, auth = `Bearer ${token}`) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: auth, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  };
  opts.log(`console: creating ${opts.sites} sites`);
  const sites: { id: string; token: string }[] = [];
  await inBatches(opts.sites, 8, async (i) => {
    sites[i] = await call("POST", "/vpc/sites", {
      name: `site-${String(i).padStart(4, "0")}`,
      platform: i % 10 === 9 ? "routeros" : "nftables",
    });
  });
  const lists: string[] = [];
  for (let i = 0; i < 5; i++) {
    lists.push((await call("POST", "/vpc/prefix-lists", { name: `list ${i}`, prefixes: [{ cidr: `10.${i}.0.0/16` }] })).id);
  }
  const groups = Math.max(1, Math.ceil(opts.sites / 100));
  opts.log(`console: ${groups} groups`);
  for (let g = 0; g < groups; g++) {
    await call("POST", "/vpc/security-groups", {
      name: `group ${g}`,
      rules: [
        { direction: "inbound", order: 1, protocol: 6, port: "443", address: "0.0.0.0/0", description: "https" },
        { direction: "inbound", order: 2, protocol: 6, port: "22", address: lists[g % lists.length], description: "ssh" },
      ],
      sites: sites.slice(g * 100, (g + 1) * 100).map((s) => s.id),
    });
  }
  const online = Math.floor(opts.sites * 0.6);
  opts.log(`console: ${online} agents heartbeat, ${Math.min(20, online)} report a failure`);
  await inBatches(online, 8, async (i) => {
    const auth = `Bearer ${sites[i].token}`;
    if (i % 30 === 0) {
      const config = await call("GET", "/agent/v1/config", undefined, auth);
      await call(
        "POST",
        "/agent/v1/report",
        { revision: config.revision, status: "failed", error: "simulated failure", digest: null },
        auth,
      );
    } else {
      await call("POST", "/agent/v1/heartbeat", {}, auth);
    }
  });
}

async function inBatches(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() - start > timeoutMs) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 7);
  measureConsoleOverview({ repo: process.cwd(), sites: 1000, runs, warmup: 1, log: (l) => console.error(l) }).then(
    (r) => {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      console.log(`overview of ${r.sites} sites interactive: median ${median(r.interactive_ms).toFixed(0)} ms over ${runs} runs`);
      console.log(`the same API reads from Node: median ${median(r.api_reads_ms).toFixed(0)} ms`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
