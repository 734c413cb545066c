/**
 * The idle agent of the agent-apply case's idle-CPU rows: a process that is
 * only what `secgroups agent` holds on a site at rest (the platform's
 * enforcer, made as the agent makes it, with the revision in force), started
 * inside the site's network namespace so that its tools run as on a host (no
 * `ip netns exec` per tool). It loads the configuration in full (nftables:
 * with its change watch, until proven), waits 30 s of quiet, then runs the
 * cheap check every 10 s for 60 s and prints, as one JSON line, the CPU used
 * in that window by itself, its helpers and their tools.
 *
 * usage: node idle-agent.js PLATFORM CONFIG_FILE CONTROL_PLANE_JSON STATE_DIR [NFT_ELEMENTS]
 */
import { readFileSync } from "node:fs";
import { PLATFORM } from "../../core/platforms";
import type { ControlPlaneAddress, Enforcer } from "../../core/platforms/platform";
import { treeCpuMs } from "./stats";

export interface IdleReport {
  /** CPU of the process tree in the window, % of one core. */
  percent: number;
  /** Of which this process itself (the enforcer's own work, V8's collector). */
  ownPercent: number;
  checks: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const [platform, configFile, cp, stateDir, nftElements] = process.argv.slice(2);
  const config = readFileSync(configFile, "utf8");
  const controlPlane = JSON.parse(cp) as ControlPlaneAddress[];
  const enforcer = PLATFORM[platform as keyof typeof PLATFORM].createEnforcer?.({ stateDir, tools: { nftElements } }) as Enforcer;
  await enforcer.apply(config, controlPlane);
  const watched = enforcer as Enforcer & { watch?(onChange: () => void): void; proven?: boolean };
  if (watched.watch) {
    watched.watch(() => undefined);
    while (!watched.proven) {
      await enforcer.quickCheck!(config, controlPlane);
      await sleep(500);
    }
  }
  // The collector's cleanup after the load falls in the first seconds of quiet (see idleCpuRow).
  await sleep(30_000);
  const windowMs = 60_000;
  const tree0 = treeCpuMs();
  const own0 = process.cpuUsage();
  let checks = 0;
  const timer = setInterval(() => {
    checks++;
    void enforcer.quickCheck!(config, controlPlane).then((diff) => {
      if (diff.length) process.stderr.write(`idle agent: drift: ${diff.join("; ")}\n`);
    });
  }, 10_000);
  await sleep(windowMs);
  clearInterval(timer);
  const own = process.cpuUsage(own0);
  const report: IdleReport = {
    percent: ((treeCpuMs() - tree0) / windowMs) * 100,
    ownPercent: ((own.user + own.system) / 1000 / windowMs) * 100,
    checks,
  };
  process.stdout.write(JSON.stringify(report) + "\n");
  process.exit(0);
}

if (require.main === module)
  main().catch((err) => {
    process.stderr.write(`idle agent: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
