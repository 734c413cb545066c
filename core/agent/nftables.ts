/**
 * nftables: the compiled file plus the control-plane elements go
 * to the kernel in ONE `nft -f` transaction, so either all of it is in force
 * or (on any error) none of it and the previous table stays. Then the table
 * is read back with `nft -j` and compared with what the file meant, both read
 * into one model by core/analyze/parse-nft.ts and compared by diffLoaded.
 */
import { mkdir, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { NFT_CONTROL_PLANE_SET, NFT_TABLE, parseControlPlaneEndpoint } from "../compile";
import { formatIPv4 } from "../model";
import type { ControlPlaneAddress, Enforcer } from "./enforcer";
import type { LoadedRuleset } from "../analyze/loaded";
import { parseNftJson, parseNftText } from "../analyze/parse-nft";
import { diffLoaded } from "../analyze/compare-loaded";
import { mustRun, runCommand, type Runner } from "./runner";

export interface NftablesOptions {
  /** Where the file that is loaded is written (kept for inspection). */
  stateDir: string;
  /** The nft binary (`--nft-bin`; tests point it at a wrapper). */
  nft?: string;
  run?: Runner;
}

const REMOVE = `table inet ${NFT_TABLE} {}\ndelete table inet ${NFT_TABLE}\n`;
const TABLE = { family: "inet", name: NFT_TABLE };

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
    if (this.wanted?.text !== text) this.wanted = { text, table: parseNftText(text, TABLE) };
    const wanted = this.wanted;
    const listed = await this.list();
    // nft lists an unchanged table byte for byte the same (handles included): skip the comparison.
    if (listed !== undefined && wanted.verifiedListing === listed) return [];
    let loaded: LoadedRuleset | undefined;
    try {
      loaded = listed === undefined ? undefined : parseNftJson(listed, TABLE);
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

/**
 * The file the agent loads: the compiled configuration, then the control-plane
 * elements in a second block of our table, which adds them to the set the
 * configuration declared (same transaction). Not `add element` lines: that
 * command makes nft 1.0.6 fetch every element of the table's interval sets from
 * the kernel before loading (the whole current table, 100,000 elements in the
 * benchmark, about 0.15 s) although the file deletes that table anyway.
 */
export function nftablesFile(config: string, controlPlane: ControlPlaneAddress[]): string {
  const text = config.endsWith("\n") ? config : `${config}\n`;
  const elements = [...new Set(controlPlane.map(parseControlPlaneEndpoint).map((e) => `${formatIPv4(e.address)} . ${e.port}`))];
  if (!elements.length) return text;
  return (
    text +
    `table inet ${NFT_TABLE} {\n\tset ${NFT_CONTROL_PLANE_SET} {\n\t\ttype ipv4_addr . inet_service\n` +
    `\t\telements = { ${elements.join(", ")} }\n\t}\n}\n`
  );
}
