/**
 * API latency and throughput: POST and GET of a 250-rule security group over
 * real HTTP (127.0.0.1, keep-alive), on PGlite (in memory) and on PostgreSQL
 * (a private server from test/support/postgres.ts), beside a bare Fastify route
 * that takes and returns the same JSON, measured in the same run as the anchor.
 *
 * Build and run (the project's tsconfig compiles bench/ with core/; no ts-node).
 * The output goes under dist/ (git-ignored) so node_modules resolves from it:
 *   npx tsc -p tsconfig.json --outDir dist/bench-build && node dist/bench-build/bench/api.bench.js [requests] [concurrency]
 * defaults: 300 sequential requests per measurement for latency, the same
 * number again with 8 in flight for requests/s. Prints one JSON document.
 * Set BENCH_ENGINES=pglite to skip PostgreSQL.
 *
 * On a loaded machine wall time includes waiting for a core; the CPU time of
 * this process per request (user + system, server and client together; the
 * PostgreSQL server's own CPU is not included) is printed too.
 */
import Fastify from "fastify";
import { performance } from "node:perf_hooks";
import { buildServer, type Server } from "../core/api/server";
import { signHs256 } from "../core/api/jwt";
import { startPostgres, type PostgresServer } from "../test/support/postgres";

let REQUESTS = require.main === module ? Number(process.argv[2] ?? 300) : 300;
let CONCURRENCY = require.main === module ? Number(process.argv[3] ?? 8) : 8;
/** For bench/harness: the number of requests per measurement and in flight. */
export function configure(requests: number, concurrency: number): void {
  REQUESTS = requests;
  CONCURRENCY = concurrency;
}
export const SECRET = "bench-secret-0123456789abcdef";
const ENGINES = (process.env.BENCH_ENGINES ?? "pglite,postgres").split(",");

export function group250(i: number) {
  return {
    name: `bench group ${i}`,
    description: "250 rules",
    rules: Array.from({ length: 250 }, (_, k) => ({
      direction: k % 2 ? "inbound" : "outbound",
      order: k + 1,
      protocol: [6, 17, 1, 0][k % 4],
      port: [6, 17].includes([6, 17, 1, 0][k % 4]) ? `${1000 + k}, ${2000 + k}-${2100 + k}` : "",
      address: `10.${k}.0.0/16`,
      description: `rule ${k + 1}`,
    })),
    sites: [],
  };
}

export interface Stats {
  requests: number;
  median_ms: number;
  p95_ms: number;
  cpu_ms_per_request: number;
  requests_per_s: number;
  concurrency: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Sequential latencies, then throughput with `CONCURRENCY` in flight. */
export async function measure(send: (i: number) => Promise<Response>, expectStatus: number): Promise<Stats> {
  const check = async (res: Response) => {
    await res.arrayBuffer();
    if (res.status !== expectStatus) throw new Error(`status ${res.status}, expected ${expectStatus}`);
  };
  for (let i = 0; i < 20; i++) await check(await send(-1 - i)); // warm-up
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    await check(await send(i));
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = REQUESTS + next++;
        await check(await send(i));
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  return {
    requests: REQUESTS,
    median_ms: round(quantile(times, 0.5)),
    p95_ms: round(quantile(times, 0.95)),
    cpu_ms_per_request: round((cpu.user + cpu.system) / 1000 / REQUESTS),
    requests_per_s: Math.round(REQUESTS / elapsed),
    concurrency: CONCURRENCY,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

export async function benchCore(server: Server): Promise<{ post: Stats; get: Stats }> {
  const base = await server.app.listen({ host: "127.0.0.1", port: 0 });
  const now = Math.floor(Date.now() / 1000);
  const auth = `Bearer ${signHs256({ org: "org_bench", exp: now + 3600 }, SECRET)}`;
  const bodies = new Map<number, string>();
  const bodyOf = (i: number) => {
    const key = i % 50;
    if (!bodies.has(key)) bodies.set(key, JSON.stringify(group250(key)));
    return bodies.get(key)!;
  };
  const post = await measure(
    (i) =>
      fetch(`${base}/vpc/security-groups`, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: bodyOf(i),
      }),
    201,
  );
  const created = (await (
    await fetch(`${base}/vpc/security-groups`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: bodyOf(0),
    })
  ).json()) as { id: string };
  const get = await measure(() => fetch(`${base}/vpc/security-groups/${created.id}`, { headers: { authorization: auth } }), 200);
  return { post, get };
}

export async function benchBare(): Promise<{ post: Stats; get: Stats }> {
  // The anchor: Fastify parsing and serializing the same JSON, no auth, validation or storage.
  const app = Fastify({ bodyLimit: 1024 * 1024 });
  const stored = { id: "sec_grp_0ujsswThIGTUYm2K8FjOOfxcYpw", ...group250(0) };
  app.post("/bare", async (request, reply) => {
    reply.code(201);
    return { id: stored.id, ...(request.body as object) };
  });
  app.get("/bare/:id", async () => stored);
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  const body = JSON.stringify(group250(0));
  try {
    const post = await measure(() => fetch(`${base}/bare`, { method: "POST", headers: { "content-type": "application/json" }, body }), 201);
    const get = await measure(() => fetch(`${base}/bare/x`), 200);
    return { post, get };
  } finally {
    await app.close();
  }
}

async function main() {
  const results: Record<string, unknown> = {
    node: process.version,
    cpus: require("node:os").cpus().length,
    loadavg_before: require("node:os").loadavg().map(round),
    requests: REQUESTS,
    concurrency: CONCURRENCY,
  };
  results.bare_fastify = await benchBare();
  if (ENGINES.includes("pglite")) {
    const server = await buildServer({ auth: { secret: SECRET } });
    try {
      results.pglite = await benchCore(server);
    } finally {
      await server.close();
    }
  }
  if (ENGINES.includes("postgres")) {
    let pg: PostgresServer | undefined;
    try {
      pg = await startPostgres();
      const server = await buildServer({ auth: { secret: SECRET }, databaseUrl: await pg.createDatabase("bench") });
      try {
        results.postgres = await benchCore(server);
      } finally {
        await server.close();
      }
    } finally {
      await pg?.stop();
    }
  }
  results.loadavg_after = require("node:os").loadavg().map(round);
  console.log(JSON.stringify(results, null, 2));
}

// Standalone use; bench/harness imports benchCore, benchBare and measure.
if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
