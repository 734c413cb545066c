/**
 * The platforms, one folder each (render, read, enforce, names) behind the
 * Platform interface, and the compiler over them: normalizePolicy builds the
 * normal form (core/policy), the site's platform renders it.
 */
import type { Platform as PlatformName, SiteMode } from "../model";
import { normalizePolicy, type PolicyDocumentInput, type PrefixListMemo } from "../policy";
import { iptables } from "./iptables";
import { nftables } from "./nftables";
import type { Platform } from "./platform";
import { routeros } from "./routeros";

export type { AppliedConfig, ApplyOutcome, ControlPlaneAddress, Enforcer, EnforcerOptions, Platform } from "./platform";
export { iptables, nftables, routeros };

export const PLATFORM: Readonly<Record<PlatformName, Platform>> = { nftables, iptables, routeros };

/** The platform of that name; throws for names that are none. */
export function platformOf(name: string): Platform {
  const platform = Object.hasOwn(PLATFORM, name) ? PLATFORM[name as PlatformName] : undefined;
  if (!platform) throw new Error(`unknown platform "${name}"; known: ${Object.keys(PLATFORM).join(", ")}`);
  return platform;
}

export interface CompileOptions {
  /** host (default): input and output hooks; router: forward as well. */
  mode?: SiteMode;
  /** Reuse the normalized form of unchanged (frozen) prefix lists across compilations (the deployer's). */
  memo?: PrefixListMemo;
}

/** Renders the configuration of `target` for a site whose groups are those of `doc`. */
export function compilePolicy(doc: PolicyDocumentInput, target: PlatformName, options: CompileOptions = {}): string {
  return platformOf(target).render(normalizePolicy(doc, options));
}
