import { Agent } from "../../agent/loop";
import { Backoff } from "../../agent/backoff";
import { HttpAgentApi, RejectedError } from "../../agent/client";
import { resolveControlPlane } from "../../agent/control-plane";
import { DryRunEnforcer } from "../../agent/dry-run";
import { PLATFORM, type Enforcer } from "../../platforms";
import type { Command } from "../command";
import { UsageError } from "../command";

export const agent: Command = {
  usage: `Usage: secgroups agent --endpoint URL --site-token TOKEN [options]

Polls the control plane for this site's configuration, applies every new
revision atomically, verifies it by reading it back and reports the outcome.
Keeps the last policy in force while the control plane is unreachable and
re-applies it after a restart (from --state-dir) or when it was changed by hand.

Options:
  --endpoint URL         control plane, e.g. https://secgroups.example.com:8787
  --site-token TOKEN     the site's token (sgs_...); or SECGROUPS_SITE_TOKEN
  --state-dir DIR        where the last applied configuration is kept
                         (default /var/lib/secgroups-agent)
  --poll-wait SECONDS    how long one config poll is held open (default 30, <= 60)
  --heartbeat DUR        heartbeat interval: 500ms, 30s, 1m (default 30s)
  --drift-check DUR      how often to compare the loaded rules with the applied ones (default 10s)
  --backoff-max DUR      longest wait between retries when the control plane is unreachable (default 30s)
  --once                 apply the current configuration once, report, exit (1 if it failed)
  --dry-run              report every configuration as applied without touching the host
  --nft-bin PATH         nft binary (default nft); tests point it at a wrapper
  --iptables-bin PATH    iptables binary (default iptables; -restore/-save are found beside it)
  --ipset-bin PATH       ipset binary (default ipset)`,
  options: {
    endpoint: { type: "string" },
    "site-token": { type: "string" },
    "state-dir": { type: "string", default: "/var/lib/secgroups-agent" },
    "poll-wait": { type: "string", default: "30" },
    heartbeat: { type: "string", default: "30s" },
    "drift-check": { type: "string", default: "10s" },
    "backoff-max": { type: "string", default: "30s" },
    once: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    "nft-bin": { type: "string", default: "nft" },
    "iptables-bin": { type: "string", default: "iptables" },
    "ipset-bin": { type: "string", default: "ipset" },
  },
  async run(v) {
    const endpoint = v.endpoint as string | undefined;
    const token = (v["site-token"] as string | undefined) ?? process.env.SECGROUPS_SITE_TOKEN;
    if (!endpoint) throw new UsageError("--endpoint is required");
    if (!token) throw new UsageError("--site-token (or SECGROUPS_SITE_TOKEN) is required");
    try {
      new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint must be a URL, got ${endpoint}`);
    }
    const pollWait = Number(v["poll-wait"]);
    if (!Number.isInteger(pollWait) || pollWait < 0 || pollWait > 60) throw new UsageError("--poll-wait must be 0 to 60 seconds");
    const stateDir = v["state-dir"] as string;
    const tools = { nft: v["nft-bin"] as string, iptables: v["iptables-bin"] as string, ipset: v["ipset-bin"] as string };
    const enforcers = new Map<string, Enforcer>();
    if (!v["dry-run"]) {
      for (const platform of Object.values(PLATFORM)) {
        const enforcer = platform.createEnforcer?.({ stateDir, tools });
        if (enforcer) enforcers.set(platform.name, enforcer);
      }
    }
    const dryRun = new DryRunEnforcer();
    const site = new Agent({
      api: new HttpAgentApi(endpoint, token),
      enforcerFor(platform) {
        if (v["dry-run"]) return dryRun;
        const e = enforcers.get(platform);
        if (!e) throw new Error(`the agent does not enforce ${platform} sites (RouterOS fetches its script itself; see docs/routeros.md)`);
        return e;
      },
      resolveControlPlane: () => resolveControlPlane(endpoint),
      stateDir,
      pollWaitSeconds: pollWait,
      heartbeatMs: durationMs(v.heartbeat as string, "--heartbeat"),
      driftCheckMs: durationMs(v["drift-check"] as string, "--drift-check"),
      backoff: new Backoff({ maxMs: durationMs(v["backoff-max"] as string, "--backoff-max") }),
    });
    const stop = () => site.stop();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    try {
      await site.restore();
      if (v.once) {
        const outcome = await site.once();
        if (outcome.status === "failed") console.error(`revision ${outcome.revision} failed: ${outcome.error}`);
        return outcome.status === "applied" ? 0 : 1;
      }
      await site.run();
      // Stopping leaves the policy in force: an agent restart must not open the host.
    } catch (err) {
      if (err instanceof RejectedError) throw new Error(`the control plane refused the agent: ${err.message}`);
      throw err;
    } finally {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
    }
  },
};

function durationMs(text: string, flag: string): number {
  const m = /^(\d+)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) throw new UsageError(`${flag} must be a duration like 500ms, 30s, 1m; got ${text}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "s"];
}
