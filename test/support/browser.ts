/**
 * Debian's chromium driven by playwright-core (no browser download), for the console's
 * tests and benchmark. As root there is no user namespace sandbox, hence --no-sandbox.
 * `ns` runs the browser inside a network namespace (through a wrapper executable), where
 * the core under test listens.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, statSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import type { Netns } from "./netns";
import { ROOT, tempDir } from "./secgroups";

export const CHROMIUM = process.env.SECGROUPS_CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser(ns?: Netns): Promise<Browser> {
  let executablePath = CHROMIUM;
  if (ns) {
    executablePath = join(tempDir("sg-chromium-"), "chromium");
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${ns.name} ${CHROMIUM} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

function newest(dir: string): number {
  let out = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out = Math.max(out, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return out;
}

/** Builds dist/console when it is missing or older than core/console/web. */
export function ensureConsoleBuilt(): void {
  const bundle = join(ROOT, "dist", "console", "console.js");
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newest(join(ROOT, "core", "console", "web"))) return;
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-console.js")], { cwd: ROOT, stdio: "inherit" });
}
