/**
 * The benchmark harness runs (issue #8): `npm run bench -- --smoke` at tiny
 * sizes, one repetition, into a temp directory. Checks only that it runs and
 * writes its outputs; no figure is judged (benchmarks are not part of the
 * suite's pass/fail), and BENCHMARKS.md in the checkout is left alone.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

jest.setTimeout(15 * 60_000);

const REPO = resolve(__dirname, "../..");
const CASES = ["compile", "compile-dual", "alloc-cidr6", "review", "curve-cidrs", "agent-apply", "fanout"];

test("the harness runs every named case at a tiny size and writes JSON and Markdown to the temp dir", () => {
  const out = mkdtempSync(join(tmpdir(), "sg-bench-smoke-test-"));
  const md = join(REPO, "BENCHMARKS.md");
  const mdBefore = existsSync(md) ? statSync(md).mtimeMs : undefined;
  try {
    const run = spawnSync(
      process.execPath,
      [join(REPO, "scripts/bench.js"), "--smoke", "--skip-setup", "--no-plots", "--out", out, ...CASES],
      {
        cwd: REPO,
        encoding: "utf8",
        timeout: 14 * 60_000,
      },
    );
    if (run.status !== 0) console.error(run.stderr.slice(-4000));
    expect(run.status).toBe(0);
    const results = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as {
      smoke: boolean;
      cases: { name: string; error?: string; skipped?: string; rows: { ours: { median_ms: number } }[] }[];
    };
    expect(results.smoke).toBe(true);
    expect(results.cases.map((c) => c.name).sort()).toEqual([...CASES].sort());
    for (const c of results.cases) {
      expect(c.error).toBeUndefined();
      if (!c.skipped) {
        expect(c.rows.length).toBeGreaterThan(0);
        for (const r of c.rows) expect(r.ours.median_ms).toBeGreaterThanOrEqual(0);
      }
    }
    const text = readFileSync(join(out, "BENCHMARKS.md"), "utf8");
    expect(text).toContain("Smoke run");
    expect(text).toContain("load average at start");
    expect(existsSync(md) ? statSync(md).mtimeMs : undefined).toBe(mdBefore);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
