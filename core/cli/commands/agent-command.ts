import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AddressWatcher } from "../../agent/addresses";
import { Agent } from "../../agent/loop";
import { Backoff } from "../../agent/backoff";
import { HttpAgentApi, RejectedError } from "../../agent/client";
import { resolveControlPlane } from "../../agent/control-plane";
import { DryRunEnforcer } from "../../agent/dry-run";
import { createAgentLog, LOG_FORMATS, type LogFormat } from "../../agent/log";
import { loadState } from "../../agent/state";
import { PLATFORM, type Enforcer } from "../../platforms";
import { lockDirectory } from "../../util/directory-lock";
import type { Command } from "../command";
import { UsageError } from "../command";
import { parseDuration } from "../duration";

/** Longest interval a timer can wait (setInterval takes a signed 32-bit number of ms). */
const TIMER_MAX_MS = 24 * 86_400_000;

export const agent: Command = {
  usage: `Usage: secgroups agent --endpoint URL [--site-token-file PATH] [options]

Polls the control plane for this site's configuration, applies every new
revision atomically, verifies it by reading it back and reports the outcome.
Keeps the last policy in force while the control plane is unreachable and
re-applies it after a restart (from --state-dir) or when it was changed by hand.

Options:
  --endpoint URL         control plane, e.g. https://secgroups.example.com:8787
  --site-token-file PATH file holding the site's token (sgs_...); or SECGROUPS_SITE_TOKEN_FILE;
                         default $CREDENTIALS_DIRECTORY/site-token (a systemd credential)
  --site-token TOKEN     the token itself; or SECGROUPS_SITE_TOKEN (visible in ps: prefer a file)
  --ca-file PATH         PEM CA certificates to trust for an https endpoint (a private CA)
                         instead of the system's
  --state-dir DIR        where the last applied configuration is kept
                         (default /var/lib/secgroups-agent); one agent per directory
  --poll-wait DUR        how long one config poll is held open, whole seconds, 0s-60s (default 30s)
  --heartbeat DUR        heartbeat interval (default 30s)
  --drift-check DUR      how often to run the cheap drift check (handles, digests; default 10s); on
                         nftables a change watch (nft monitor) also checks at once on any change
  --full-verify DUR      how often to read back and compare everything, the safety net behind the
                         cheap checks; or SECGROUPS_FULL_VERIFY (default 5m)
  --address-check DUR    how often to look for changed interface addresses, reported to the control
                         plane (global unicast only, each /32 or /128; default 5s)
  --backoff-max DUR      longest wait between retries when the control plane is unreachable (default 30s)
  --log-format FORMAT    json (default: one JSON object per line, with site and revision)
                         or text (one plain line per event, for a terminal)
  --once                 apply the current configuration once, report, exit (1 if it failed)
  --dry-run              report every configuration as applied without touching the host
  --nft-bin PATH         nft binary (default nft); tests point it at a wrapper
  --iptables-bin PATH    iptables binary (default iptables; -restore/-save and ip6tables are found beside it)
  --ipset-bin PATH       ipset binary (default ipset)
  --nft-elements-bin PATH
                         secgroups-nft-elements, which reads nftables sets back over netlink in a
                         fraction of nft's time (nft still lists what it cannot confirm); or
                         SECGROUPS_NFT_ELEMENTS_BIN; default: the package's copy
                         (/usr/lib/secgroups-agent/secgroups-nft-elements) when present, else none

Durations: 500ms, 30s, 2m, 1h; a bare number is seconds. Logs go to stderr.`,
  options: {
    endpoint: { type: "string" },
    "site-token": { type: "string" },
    "site-token-file": { type: "string" },
    "ca-file": { type: "string" },
    "state-dir": { type: "string", default: "/var/lib/secgroups-agent" },
    "poll-wait": { type: "string", default: "30s" },
    heartbeat: { type: "string", default: "30s" },
    "drift-check": { type: "string", default: "10s" },
    "address-check": { type: "string", default: "5s" },
    "full-verify": { type: "string" },
    "backoff-max": { type: "string", default: "30s" },
    once: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    "nft-bin": { type: "string", default: "nft" },
    "iptables-bin": { type: "string", default: "iptables" },
    "ipset-bin": { type: "string", default: "ipset" },
    "nft-elements-bin": { type: "string" },
    "log-format": { type: "string", default: "json" },
  },
  async run(v) {
    const endpoint = v.endpoint as string | undefined;
    if (!endpoint) throw new UsageError("--endpoint is required");
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint must be a URL, got ${endpoint}`);
    }
    const token = siteToken(v["site-token"] as string | undefined, v["site-token-file"] as string | undefined);
    const caFile = v["ca-file"] as string | undefined;
    if (caFile !== undefined && url.protocol !== "https:") throw new UsageError(`--ca-file applies to an https endpoint, got ${endpoint}`);
    const ca = caFile === undefined ? undefined : readCaFile(caFile);
    const pollWait = parseDuration(v["poll-wait"] as string, "--poll-wait", { minMs: 0, maxMs: 60_000, wholeSeconds: true }) / 1000;
    const interval = (flag: string) => parseDuration(v[flag] as string, `--${flag}`, { maxMs: TIMER_MAX_MS });
    const heartbeatMs = interval("heartbeat");
    const driftCheckMs = interval("drift-check");
    const addressCheckMs = interval("address-check");
    const fullVerifyMs = parseDuration(
      (v["full-verify"] as string | undefined) ?? process.env.SECGROUPS_FULL_VERIFY ?? "5m",
      v["full-verify"] === undefined && process.env.SECGROUPS_FULL_VERIFY !== undefined ? "SECGROUPS_FULL_VERIFY" : "--full-verify",
      { minMs: 1000, maxMs: TIMER_MAX_MS },
    );
    const backoffMaxMs = interval("backoff-max");
    const format = v["log-format"] as LogFormat;
    if (!LOG_FORMATS.includes(format)) throw new UsageError(`--log-format must be ${LOG_FORMATS.join(" or ")}, got ${format}`);
    const log = createAgentLog({ format });
    const stateDir = v["state-dir"] as string;
    const tools = {
      nft: v["nft-bin"] as string,
      iptables: v["iptables-bin"] as string,
      ipset: v["ipset-bin"] as string,
      nftElements: nftElementsBin(v["nft-elements-bin"] as string | undefined),
    };
    const enforcers = new Map<string, Enforcer>();
    if (!v["dry-run"]) {
      for (const platform of Object.values(PLATFORM)) {
        const enforcer = platform.createEnforcer?.({ stateDir, tools });
        if (enforcer) enforcers.set(platform.name, enforcer);
      }
    }
    const dryRun = new DryRunEnforcer();
    const api = new HttpAgentApi(endpoint, token, { ca });
    const addresses = new AddressWatcher({ send: (list) => api.reportAddresses(list), log, intervalMs: addressCheckMs });
    const site = new Agent({
      api,
      enforcerFor(platform) {
        if (v["dry-run"]) return dryRun;
        const e = enforcers.get(platform);
        if (!e) throw new Error(`the agent does not enforce ${platform} sites (RouterOS fetches its script itself; see docs/routeros.md)`);
        return e;
      },
      resolveControlPlane: () => resolveControlPlane(endpoint),
      stateDir,
      pollWaitSeconds: pollWait,
      heartbeatMs,
      driftCheckMs,
      fullVerifyMs,
      backoff: new Backoff({ maxMs: backoffMaxMs }),
      log,
    });
    // One agent per state directory: two would fight over the host's rules and the state file.
    let lost: Error | undefined;
    const lock = await lockDirectory(stateDir, {
      what: "the agent state directory",
      flag: "--state-dir",
      onLost(err) {
        lost = err;
        site.stop();
      },
    });
    const stop = () => site.stop();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    try {
      // The restored configuration is the base of the first delta the agent asks for.
      const held = await loadState(stateDir).catch(() => undefined);
      if (held) api.hold(held);
      await site.restore();
      if (v.once) {
        await addresses.check();
        const outcome = await site.once();
        // The agent already logged a failure, with its revision.
        return outcome.status === "applied" ? 0 : 1;
      }
      addresses.start();
      await site.run();
      // Stopping leaves the policy in force: an agent restart must not open the host.
      if (lost) throw lost;
    } catch (err) {
      // The last word goes to the same log as every other line, in its format.
      const reason = err instanceof RejectedError ? `the control plane refused the agent: ${err.message}` : (err as Error).message;
      log.error(`stopping: ${reason}`);
      return 1;
    } finally {
      addresses.stop();
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      await lock.release();
    }
  },
};

/**
 * secgroups-nft-elements: the flag, SECGROUPS_NFT_ELEMENTS_BIN, or the copy the .deb installs
 * beside the agent's executable (scripts/build-agent-deb.sh); a path given that is not there is an error.
 */
function nftElementsBin(flag: string | undefined): string | undefined {
  const given = flag ?? process.env.SECGROUPS_NFT_ELEMENTS_BIN;
  if (given !== undefined) {
    if (!existsSync(given))
      throw new UsageError(`${flag !== undefined ? "--nft-elements-bin" : "SECGROUPS_NFT_ELEMENTS_BIN"}: no such file ${given}`);
    return given;
  }
  const packaged = join(dirname(process.execPath), "../lib/secgroups-agent/secgroups-nft-elements");
  return existsSync(packaged) ? packaged : undefined;
}

/**
 * The site token, from (first found) --site-token, SECGROUPS_SITE_TOKEN, --site-token-file,
 * SECGROUPS_SITE_TOKEN_FILE, or the systemd credential `site-token` (LoadCredential=).
 */
function siteToken(flag: string | undefined, fileFlag: string | undefined): string {
  if (flag !== undefined && fileFlag !== undefined) throw new UsageError("give --site-token or --site-token-file, not both");
  const direct = flag ?? (fileFlag === undefined ? process.env.SECGROUPS_SITE_TOKEN : undefined);
  if (direct) return direct;
  const credentials = process.env.CREDENTIALS_DIRECTORY;
  const file = fileFlag ?? process.env.SECGROUPS_SITE_TOKEN_FILE ?? (credentials ? join(credentials, "site-token") : undefined);
  if (file === undefined) {
    throw new UsageError("a site token is required: --site-token-file PATH, a systemd credential site-token, or --site-token");
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the site token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // One line, as `echo sgs_... > file` writes it.
  const token = text.trim();
  if (!token || /\s/.test(token)) throw new UsageError(`the site token file ${file} must hold one token (sgs_...) and nothing else`);
  return token;
}

function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --ca-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----"))
    throw new UsageError(`--ca-file ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return pem;
}
