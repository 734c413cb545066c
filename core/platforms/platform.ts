/**
 * What every platform provides, behind one interface: render a site's
 * configuration from the normal form, read back what the device holds into
 * the loaded-ruleset model (core/analyze/loaded.ts), and, where an agent runs,
 * an enforcer that puts a configuration in force, verifies it and removes it.
 * The agent, the equivalence and differential tests all read a platform
 * through the same `read`/`expected` pair.
 */
import type { LoadedRuleset } from "../analyze/loaded";
import type { Platform as PlatformName } from "../model";
import type { NormalizedPolicy } from "../policy";
import type { Runner, Spawner } from "./runner";

/** An address and TCP port of the control plane, for the exception that keeps it reachable. */
export interface ControlPlaneAddress {
  address: string;
  port: number;
}

/** A configuration as the agent put it in force: the compiled text and the control-plane endpoints loaded with it. */
export interface AppliedConfig {
  config: string;
  controlPlane: readonly ControlPlaneAddress[];
}

/** How an apply went in: only what changed (`delta`), or the whole configuration (`full`, with the reason no delta was used). */
export type ApplyOutcome = { mode: "delta"; touched: number } | { mode: "full"; reason: string };

/** What the agent needs from a platform: load a configuration atomically, check it is still in force, remove it. */
export interface Enforcer {
  readonly platform: string;
  /**
   * Loads `config` plus the control-plane exception in one atomic step and
   * verifies the result; throws with the tool's error text when the kernel
   * rejects it (the previous rules then stay in force). `previous` is what
   * the agent applied before: when the enforcer verified that very state
   * in force and has seen nothing else change since, it loads only the
   * difference; otherwise (first apply, unknown or drifted state, a
   * difference the kernel refuses) the whole configuration.
   */
  apply(config: string, controlPlane: ControlPlaneAddress[], previous?: AppliedConfig): Promise<ApplyOutcome | void>;
  /** Differences between what is loaded and what `apply(config, controlPlane)` loaded; empty when in force. A full read-back. */
  check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]>;
  /**
   * The cheap form of check(): what the platform can tell changed since the
   * last verification without reading everything back (handles, digests,
   * what the change watch saw); falls back to check() when it cannot tell.
   */
  quickCheck?(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]>;
  /** Starts watching for changes by others (nft monitor); `onChange` is called when something of ours may have changed. */
  watch?(onChange: () => void): void;
  /** Stops the watch. */
  unwatch?(): void;
  /** Removes everything of ours (no filtering by us); idempotent. */
  remove(): Promise<void>;
  /** Whether anything of ours is loaded. */
  present(): Promise<boolean>;
}

export interface EnforcerOptions {
  /** Where the enforcer keeps the files it loads (kept for inspection). */
  stateDir: string;
  /**
   * The tools' binaries; by default found on PATH. iptables-restore, iptables-save and ip6tables (-restore, -save) are taken from beside `iptables`.
   * `nftElements` is secgroups-nft-elements: the nftables read-back's fast path, and the ruleset generation by which
   * the iptables platform (on nf_tables) knows its chains unchanged; without it nft lists every set, iptables every chain.
   */
  tools?: { nft?: string; iptables?: string; ipset?: string; nftElements?: string };
  /** Runs the tools; a seam for tests. */
  run?: Runner;
  /** Starts long-running tools (`nft monitor`); a seam for tests. */
  spawn?: Spawner;
}

export interface Platform<Listing = unknown> {
  readonly name: PlatformName;
  /** The site's configuration text; a pure function of the normal form (same policy, same bytes). */
  render(policy: NormalizedPolicy): string;
  /** What the device holds, read from what its tools list. Anything it does not understand is an error, never guessed at. */
  read(listing: Listing): LoadedRuleset;
  /**
   * What putting `config` in force with these control-plane endpoints leaves
   * on a device that held nothing of ours: the side a read-back is compared
   * with, and what the equivalence checks evaluate without a kernel.
   */
  expected(config: string, controlPlane: readonly ControlPlaneAddress[]): LoadedRuleset;
  /** Puts configurations in force on this host; absent where no agent runs (a RouterOS router fetches its script). */
  createEnforcer?(options: EnforcerOptions): Enforcer;
}
