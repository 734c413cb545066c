/**
 * nftables: the compiled file plus the control-plane elements go
 * to the kernel in ONE `nft -f` transaction, so either all of it is in force
 * or (on any error) none of it and the previous table stays. Then the table
 * is read back with `nft -j` and compared with what the file meant, both read
 * into one model by this platform's reader (read.ts, read-file.ts) and
 * compared by diffLoaded.
 */
import { mkdir, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { diffLoaded } from "../../analyze/compare-loaded";
import type { LoadedRuleset } from "../../analyze/loaded";
import type { ControlPlaneAddress, Enforcer } from "../platform";
import { mustRun, runCommand, type Runner } from "../runner";
import { NFT_TABLE } from "./names";
import { readNftables } from "./read";
import { expectedNftables } from "./read-file";
import { nftablesFile } from "./render";

export interface NftablesOptions {
  /** Where the file that is loaded is written (kept for inspection). */
  stateDir: string;
  /** The nft binary (`--nft-bin`; tests point it at a wrapper). */
  nft?: string;
  run?: Runner;
}

const REMOVE = `table inet ${NFT_TABLE} {}\ndelete table inet ${NFT_TABLE}\n`;

export class NftablesEnforcer implements Enforcer {
  readonly platform = "nftables";
  private readonly nft: string;
  private readonly run: Runner;
  /** What the file of the current revision means: parsed once per revision, not on every check. */
  private wanted?: { text: string; table: LoadedRuleset; verifiedListing?: string };

  constructor(private readonly options: NftablesOptions) {
    this.nft = options.nft ?? "nft";
    this.run = options.run ?? runCommand;
  }

  async apply(config: string, controlPlane: ControlPlaneAddress[]): Promise<void> {
    const text = nftablesFile(config, controlPlane);
    const path = join(this.options.stateDir, "secgroups.nft");
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
    await mustRun(this.run, this.nft, ["-f", path]);
    const diff = await this.check(config, controlPlane);
    if (diff.length) throw new Error(`nft loaded the file but the table differs from it: ${diff.join("; ")}`);
  }

  async check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const text = nftablesFile(config, controlPlane);
    if (this.wanted?.text !== text) this.wanted = { text, table: expectedNftables(config, controlPlane) };
    const wanted = this.wanted;
    const listed = await this.list();
    // nft lists an unchanged table byte for byte the same (handles included): skip the comparison.
    if (listed !== undefined && wanted.verifiedListing === listed) return [];
    let loaded: LoadedRuleset | undefined;
    try {
      loaded = listed === undefined ? undefined : readNftables(listed);
    } catch (err) {
      // Something we never load (a hand-made rule, say): a difference to re-apply over, not an error.
      return [`the table holds what the agent cannot read: ${(err as Error).message}`];
    }
    const diff = diffLoaded(wanted.table, loaded);
    if (!diff.length) wanted.verifiedListing = listed;
    return diff;
  }

  async remove(): Promise<void> {
    await mustRun(this.run, this.nft, ["-f", "-"], REMOVE);
  }

  async present(): Promise<boolean> {
    return (await this.list()) !== undefined;
  }

  /** `nft -j list table` output, or undefined when the table does not exist. */
  private async list(): Promise<string | undefined> {
    const r = await this.run(this.nft, ["-j", "list", "table", "inet", NFT_TABLE]);
    if (r.code !== 0) {
      if (/No such file or directory/.test(r.stderr)) return undefined;
      throw new Error(`nft -j list table inet ${NFT_TABLE} failed (exit ${r.code}): ${r.stderr.trim()}`);
    }
    return r.stdout;
  }
}
