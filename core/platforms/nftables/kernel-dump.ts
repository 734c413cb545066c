/**
 * The fast read-back of interval sets: secgroups-nft-elements (the Go
 * program in kernel-dump/, built by scripts/build-nft-elements.sh) dumps the
 * named sets' elements over netlink, as the kernel stores them, in one
 * generation; what a set should hold is worked out from the file in the same
 * form, and an exact match proves the set holds the file's intervals. Any
 * other answer (a set in another form, a kernel that stores it differently,
 * the program failing or absent) proves nothing: those sets are listed by
 * nft and compared as before (readback.ts), so nft stays the judge and this
 * path can only save time. At 100,000 elements the dump takes tens of
 * milliseconds where `nft -j list set` takes several hundred.
 *
 * How the kernel (rbtree backend of a one-field interval set, as nft 1.0.6
 * loads it) stores intervals [first, last], ascending and not adjacent,
 * dumped highest key first:
 *
 *   last+1 end   the end of each interval: the first address after it
 *   first        its start
 *   0 end        after all, unless the lowest interval starts at 0
 *
 * An interval that reaches the family's last address has no end element:
 * its start carries nft's user data "interval open" instead (TLV type 1,
 * length 4, value 1 as a little-endian u32).
 */
import { listedAddressRange, listedAddressRange6, nextIPv6, type IPv6Address } from "../../model";
import type { Runner } from "../runner";
import type { NftTableName } from "./names";

const OPEN_INTERVAL = " attr=6:010401000000";

/**
 * The lines secgroups-nft-elements prints for an interval set of addresses
 * (`hostLength` 32 or 128) that holds exactly `items` (addresses, prefixes and
 * `first-last` ranges as render.ts writes them); undefined unless the items
 * are ascending, valid and not adjacent (the kernel's form is then not this
 * one: nft lists such a set instead).
 */
export function dumpedSetText(hostLength: number, items: readonly string[]): string | undefined {
  const starts: string[] = [];
  const ends: (string | undefined)[] = [];
  try {
    for (const item of items) {
      let first: string;
      let end: string | undefined;
      if (hostLength === 32) {
        const r = listedAddressRange(item);
        first = hex32(r.first);
        end = r.last === 0xffffffff ? undefined : hex32(r.last + 1);
      } else {
        const r = listedAddressRange6(item);
        first = hex128(r.first);
        const next = nextIPv6(r.last);
        end = next && hex128(next);
      }
      // Hex keys of one width compare as the numbers do: each interval must start after the previous one's end.
      const previousEnd = ends.length ? ends[ends.length - 1] : "";
      if (previousEnd === undefined || first <= previousEnd) return undefined;
      starts.push(first);
      ends.push(end);
    }
  } catch {
    return undefined;
  }
  const lines: string[] = [];
  for (let i = starts.length - 1; i >= 0; i--) {
    const end = ends[i];
    if (end === undefined) lines.push(starts[i] + OPEN_INTERVAL);
    else lines.push(`${end} end`, starts[i]);
  }
  const zero = "0".repeat(hostLength / 4);
  if (starts.length && starts[0] !== zero) lines.push(`${zero} end`);
  return lines.map((l) => `${l}\n`).join("");
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function hex128(a: IPv6Address): string {
  return hex32(a[0]) + hex32(a[1]) + hex32(a[2]) + hex32(a[3]);
}

/** One dump: each set's element lines by name, undefined for a set the kernel does not have. */
export type KernelDump = Map<string, string | undefined>;

/** secgroups-nft-elements' output read into one entry per set; throws on output not of its form. */
export function parseKernelDump(stdout: string): KernelDump {
  const sets: KernelDump = new Map();
  if (!stdout.startsWith("gen ")) throw new Error("secgroups-nft-elements printed no generation");
  let at = stdout.indexOf("\n") + 1;
  while (at > 0 && at < stdout.length) {
    if (!stdout.startsWith("set ", at)) throw new Error(`unexpected line in the dump: ${stdout.slice(at, stdout.indexOf("\n", at))}`);
    const lineEnd = stdout.indexOf("\n", at);
    if (lineEnd < 0) throw new Error("the dump ends in the middle of a line");
    const head = stdout.slice(at + 4, lineEnd);
    // Element lines start with hex digits, never with "set ".
    let next = stdout.indexOf("\nset ", lineEnd) + 1;
    if (next === 0) next = stdout.length;
    if (head.endsWith(" missing")) sets.set(head.slice(0, -" missing".length), undefined);
    else sets.set(head, stdout.slice(lineEnd + 1, next));
    at = next;
  }
  return sets;
}

/** The sets `names` of `table` as the kernel holds them, read by the program at `bin`; throws when it fails. */
export async function dumpSets(run: Runner, bin: string, table: NftTableName, names: readonly string[]): Promise<KernelDump> {
  if (!names.length) return new Map();
  const r = await run(bin, [table.family, table.name, ...names]);
  if (r.code !== 0) throw new Error(`${bin} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return parseKernelDump(r.stdout);
}

/**
 * The ruleset's generation: nf_tables' commit counter, which every
 * transaction of any table of the network namespace (nft, iptables-nft,
 * ip6tables-nft) moves on. The program prints it alone when asked for no
 * set. Undefined when it fails (the caller then lists what it would have
 * taken as unchanged).
 */
export async function rulesetGeneration(run: Runner, bin: string): Promise<string | undefined> {
  const r = await run(bin, ["ip", "filter"]);
  const m = /^gen (\d+)\n/.exec(r.stdout);
  return r.code === 0 && m ? m[1] : undefined;
}
