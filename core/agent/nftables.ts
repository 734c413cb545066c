/**
 * nftables: the compiled file plus the control-plane `add element` lines go
 * to the kernel in ONE `nft -f` transaction, so either all of it is in force
 * or (on any error) none of it and the previous table stays. Then the table
 * is read back with `nft -j` and compared in semantic form.
 */
import { mkdir, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { controlPlaneElements, NFT_TABLE } from "../compile";
import type { ControlPlaneAddress, Enforcer } from "./enforcer";
import { diffSemantic, semanticFromJson, semanticFromText, type SemanticTable } from "./nft-semantic";
import { mustRun, runCommand, type Runner } from "./runner";

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
  /** Parsing a 100k-element file every drift check would be wasteful. */
  private wanted?: { text: string; table: SemanticTable; verifiedListing?: string };

  constructor(private readonly options: NftablesOptions) {
    this.nft = options.nft ?? "nft";
    this.run = options.run ?? runCommand;
  }

  async apply(config: string, controlPlane: ControlPlaneAddress[]): Promise<void> {
    const text = fileText(config, controlPlane);
    const path = join(this.options.stateDir, "secgroups.nft");
    await mkdir(this.options.stateDir, { recursive: true });
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
    await mustRun(this.run, this.nft, ["-f", path]);
    const diff = await this.check(config, controlPlane);
    if (diff.length) throw new Error(`nft loaded the file but the table differs from it: ${diff.join("; ")}`);
  }

  async check(config: string, controlPlane: ControlPlaneAddress[]): Promise<string[]> {
    const text = fileText(config, controlPlane);
    if (this.wanted?.text !== text) this.wanted = { text, table: semanticFromText(text, NFT_TABLE) };
    const listed = await this.list();
    // nft lists an unchanged table byte for byte the same (handles included): skip the comparison.
    if (listed !== undefined && this.wanted.verifiedListing === listed) return [];
    const diff = diffSemantic(this.wanted.table, listed === undefined ? undefined : semanticFromJson(listed, NFT_TABLE));
    if (!diff.length) this.wanted.verifiedListing = listed;
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

function fileText(config: string, controlPlane: ControlPlaneAddress[]): string {
  return (config.endsWith("\n") ? config : `${config}\n`) + controlPlaneElements(controlPlane);
}
