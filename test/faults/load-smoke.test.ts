/**
 * A tiny smoke of the documented load command (scripts/load.js): 15 s at
 * 20 requests/s with 3 dry-run agents on PGlite. Asserts behaviour only
 * (exit 0, no errors, agents converged); latencies are reported, not gated.
 * The long run (`node scripts/load.js --minutes 5 --rate 200`) is documented
 * in RELIABILITY.md.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, ensureBuilt, tempDir } from "../support/secgroups";

jest.setTimeout(300_000);

test("scripts/load.js: mixed API and agent load, 0 errors, agents converge", async () => {
  ensureBuilt();
  const out = join(tempDir("sg-faults-load-"), "load.json");
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "scripts", "load.js"), "--minutes", "0.25", "--rate", "20", "--agents", "3", "--json", out, "--quiet"],
      { timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  if (result.code !== 0) throw new Error(`load.js exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  const summary = JSON.parse(readFileSync(out, "utf8"));
  console.log(
    `FIGURE load-smoke ${JSON.stringify({ requests: summary.requests, rate_achieved: summary.rate_achieved, errors: summary.errors, latency_ms: summary.latency_ms, rss_mib: { start: summary.rss_mib.start, max: summary.rss_mib.max, end: summary.rss_mib.end }, agent_revisions_applied: summary.agent_revisions_applied, load_average: summary.load_average })}`,
  );
  expect(summary.errors).toBe(0);
  expect(summary.first_errors).toEqual([]);
  expect(summary.requests).toBeGreaterThan(0);
  expect(summary.converged_after_load).toBe(true);
  expect(summary.agent_revisions_applied).toBeGreaterThan(0);
});
