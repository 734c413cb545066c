/**
 * The site's own addresses, as the agent reports them (PUT /agent/v1/addresses):
 * the global unicast addresses of its interfaces, each a /32 or /128, by the
 * same rule the control plane enforces (core/model/site-addresses.ts), so a
 * report is never refused for what it holds. Read at start and then every
 * `intervalMs` (os.networkInterfaces() is one syscall-backed call, cheap);
 * sent only when the set changed, or again after a failed send.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { LIMITS, parseAddressCidr, reportedAddressRefusal } from "../model";
import { RejectedError } from "./client";
import type { AgentLog } from "./log";

/**
 * Global unicast host CIDRs of the given interfaces (canonical text), sorted and
 * without duplicates, at most LIMITS.siteAddresses: each passes the very check
 * the control plane applies to a report.
 */
export function reportableAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const out = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      // Link-local IPv6 comes with its zone ("fe80::1%eth0"): never reportable, and no CIDR text.
      if (info.internal || info.address.includes("%")) continue;
      const text = `${info.address}/${info.family === "IPv4" ? 32 : 128}`;
      const parsed = parseAddressCidr(text);
      if (parsed.ok && reportedAddressRefusal(parsed, text) === undefined) out.add(parsed.canonical);
    }
  }
  return [...out].sort().slice(0, LIMITS.siteAddresses);
}

export interface AddressWatcherOptions {
  send(addresses: string[]): Promise<void>;
  log: AgentLog;
  intervalMs?: number;
  /** Default: os.networkInterfaces. */
  read?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

export class AddressWatcher {
  /** What the control plane last accepted; undefined until the first send succeeds. */
  private sent?: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: AddressWatcherOptions) {}

  /** Reports now, then whenever the set changes. */
  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One look at the interfaces; sends when the set differs from what was last accepted. Never throws. */
  check(): Promise<void> {
    this.running ??= this.checkOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    let addresses: string[];
    try {
      addresses = reportableAddresses((this.options.read ?? networkInterfaces)());
    } catch (err) {
      this.options.log.warn(`reading the interface addresses: ${(err as Error).message}`);
      return;
    }
    const key = addresses.join(",");
    if (key === this.sent) return;
    try {
      await this.options.send(addresses);
      this.sent = key;
      this.options.log.info(`reported addresses: ${addresses.length ? addresses.join(" ") : "none"}`);
    } catch (err) {
      // Refused (an older control plane, a report it will not take): not again until the set changes.
      if (err instanceof RejectedError) this.sent = key;
      // Otherwise tried again on the next look.
      this.options.log.warn(`reporting the addresses: ${(err as Error).message}`);
    }
  }
}
