/**
 * `pulumi up` of 50 security groups and 10 prefix lists through secgroups/pulumi
 * against a real core (`secgroups serve`, PGlite), against the same program
 * through a no-op dynamic provider (the engine's floor: CLI, language host,
 * dynamic-provider process, state writes). Also an unchanged `preview` of each.
 * Prints medians of N runs (fresh stack each run) and the ratios; no timed tests.
 *
 *   npx tsc -p tsconfig.build.json        # the programs load dist/ (secgroups/pulumi)
 *   npx tsc -p tsconfig.json --outDir dist/.bench; node dist/.bench/bench/pulumi-up.bench.js [runs]
 *   (compiled under the checkout so that @pulumi/pulumi resolves; tsc's errors elsewhere do not stop it emitting)
 *
 * Needs the Pulumi CLI (built on first use by scripts/ensure-pulumi.sh).
 * SG_BENCH_GROUPS / SG_BENCH_LISTS change the size.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as net from "node:net";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { signHs256 } from "../core/api/jwt";
import { createStack, ensurePulumi, removeDirs, REPO, tempDir } from "../test/support/pulumi-cli";

const RUNS = require.main === module ? Number(process.argv[2] ?? 3) : 3;
export const SECRET = "pulumi-bench-secret";
const PROGRAMS = path.join(REPO, "bench/pulumi-up");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startServe(): Promise<{ endpoint: string; proc: ChildProcess; dir: string }> {
  const port = await freePort();
  const dir = tempDir("sg-bench-core-");
  const proc = spawn(process.execPath, [path.join(REPO, "bin/secgroups.js"), "serve", "--port", String(port), "--data", dir, "--quiet"], {
    env: { ...process.env, SECGROUPS_JWT_SECRET: SECRET },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on("data", (b: Buffer) => /listening/.test(b.toString()) && resolve());
    proc.on("exit", (code) => reject(new Error(`secgroups serve exited with ${code}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, proc, dir };
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function measure(program: string, env: Record<string, string>): Promise<{ up: number; preview: number }> {
  const { stack, workDir, backendDir } = await createStack({ program: path.join(PROGRAMS, program), project: "sg-bench", env });
  try {
    const up = await timed(async () => {
      const result = await stack.up();
      if (result.summary.result !== "succeeded") throw new Error(`${program}: up ${result.summary.result}`);
    });
    let changes: Record<string, number> | undefined;
    const preview = await timed(async () => {
      changes = (await stack.preview()).changeSummary;
    });
    if (Object.keys(changes ?? {}).some((k) => k !== "same"))
      throw new Error(`${program}: unchanged preview shows ${JSON.stringify(changes)}`);
    await stack.destroy();
    return { up, preview };
  } finally {
    removeDirs(workDir, backendDir);
  }
}

async function main(): Promise<void> {
  ensurePulumi();
  const core = await startServe();
  const token = signHs256(
    { org: `bench-${randomUUID().slice(0, 8)}`, sub: "bench", exp: Math.floor(Date.now() / 1000) + 4 * 3600 },
    SECRET,
  );
  // The providers read the API from the environment here (the config path is covered by the tests).
  const env = { SECGROUPS_ENDPOINT: core.endpoint, SECGROUPS_TOKEN: token };
  const results: Record<string, { up: number[]; preview: number[] }> = {
    secgroups: { up: [], preview: [] },
    noop: { up: [], preview: [] },
  };
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const name of ["noop", "secgroups"] as const) {
        const r = await measure(`${name}.ts`, env);
        results[name].up.push(r.up);
        results[name].preview.push(r.preview);
        console.error(`run ${run}/${RUNS} ${name}: up ${seconds(r.up)}, preview ${seconds(r.preview)}`);
      }
    }
  } finally {
    core.proc.kill("SIGTERM");
    removeDirs(core.dir);
  }
  const groups = process.env.SG_BENCH_GROUPS ?? "50";
  const lists = process.env.SG_BENCH_LISTS ?? "10";
  const m = (name: string, step: "up" | "preview") => median(results[name][step]);
  console.log(`pulumi up/preview of ${groups} security groups + ${lists} prefix lists, median of ${RUNS} runs`);
  console.log(
    `  up       secgroups ${seconds(m("secgroups", "up"))}  no-op floor ${seconds(m("noop", "up"))}  ratio ${(m("secgroups", "up") / m("noop", "up")).toFixed(2)}`,
  );
  console.log(
    `  preview  secgroups ${seconds(m("secgroups", "preview"))}  no-op floor ${seconds(m("noop", "preview"))}  ratio ${(m("secgroups", "preview") / m("noop", "preview")).toFixed(2)}`,
  );
}

// Standalone use; bench/harness imports startServe and measure.
if (require.main === module)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
