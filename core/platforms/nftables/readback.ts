/**
 * The read-back that verifies a load (full or delta) and a drift check,
 * without `nft list table` (which fetches, decomposes and prints every
 * element of every set in one process):
 *
 *   structure  `list ruleset inet` on `nft -j -t -i`: the inet tables'
 *              chains, rules and set declarations without elements (terse: nft
 *              fetches none; `list table` and even `list chain` fetch all of
 *              them, terse or not);
 *   dump       the interval sets, when secgroups-nft-elements is there
 *              (kernel-dump.ts): a set it shows in exactly the file's form
 *              is confirmed, any other is listed by nft as below;
 *   elements   `nft -j -i` reading `list set inet secgroups NAME` lines, one
 *              JSON document per line; nft fetches only the named set's
 *              elements for each. (A file of several `list set` commands
 *              fails in nft 1.0.6: its cache filter keeps only the last set.)
 *              Many sets are shared out over LISTING_PROCESSES processes that
 *              list at the same time.
 *
 * A set listed exactly as the file declares it (its elements written the way
 * nft prints them, listedSetText) is taken as equal without parsing: both
 * texts name the same intervals. Any other is read into the model and
 * compared semantically (diffLoaded), so a listing in another form only costs
 * time. Each process reads one consistent generation; a change between them
 * is a change after the verification, which is the change watch's to see.
 */
import { diffLoaded } from "../../analyze/compare-loaded";
import type { LoadedRuleset, LoadedSet } from "../../analyze/loaded";
import { tableBlock, type NftFileObjects, type NftObject } from "./delta";
import { dumpedSetText, type KernelDump } from "./kernel-dump";
import { NFT_TABLE_NAME, type NftTableName } from "./names";
import { parseNftJson } from "./read";
import { parseNftText } from "./read-file";

/** Processes listing elements at once (the agent's hosts have two cores or more; more would only queue). */
export const LISTING_PROCESSES = 2;
/** Fewer element characters than this (about 10,000 CIDRs) are listed by one process: a second costs more than it saves. */
const SHARED_FROM_CHARS = 200_000;

/** What to read back: the sets whose elements and the chains whose rules are compared. */
export interface ReadBackScope {
  sets: readonly string[];
  chains: readonly string[];
  /** The whole table: every set and chain of the file, and anything else in the table is a difference. */
  whole: boolean;
}

/** The listings of one read-back. */
export interface ReadBackListing {
  /** The terse `list ruleset inet`, or undefined when no rule was to be compared (then `chains` came from `list chains`). */
  structure?: string;
  /** Each set's `list set` document, by name; a set nft could not list is absent. */
  sets: Map<string, string>;
  /** Our chains, one canonical line each (chainLines), from either listing. */
  chains: string;
  /** What nft wrote to stderr while listing the sets ("No such file or directory" for each one that does not exist). */
  errors: string;
  /** Sets the kernel's dump showed holding exactly the file's elements (kernel-dump.ts): not listed by nft. */
  confirmed?: ReadonlySet<string>;
}

/** The `nft -i` input listing `names` (maps and sets alike), plus the chains of the table's family when asked. */
export function listCommands(objects: NftFileObjects, names: readonly string[], withChains: boolean, table = NFT_TABLE_NAME): string {
  const lines = names.map((n) => `list ${objects.objects.has(`map ${n}`) ? "map" : "set"} ${table.family} ${table.name} ${n}`);
  if (withChains) lines.push(`list chains ${table.family}`);
  return lines.map((l) => `${l}\n`).join("");
}

/** `names` in at most LISTING_PROCESSES groups of about equal size (by element text), each in file order. */
export function shareOut(objects: NftFileObjects, names: readonly string[]): string[][] {
  const size = (n: string) => elementChars(objects.objects.get(`set ${n}`) ?? objects.objects.get(`map ${n}`));
  const total = names.reduce((s, n) => s + size(n), 0);
  const count = total < SHARED_FROM_CHARS ? 1 : Math.min(LISTING_PROCESSES, names.length);
  if (count <= 1) return [[...names]];
  const loads = new Array<number>(count).fill(0);
  const groupOf = new Map<string, number>();
  for (const n of [...names].sort((a, b) => size(b) - size(a))) {
    const g = loads.indexOf(Math.min(...loads));
    loads[g] += size(n);
    groupOf.set(n, g);
  }
  return loads.map((_, g) => names.filter((n) => groupOf.get(n) === g));
}

function elementChars(o: NftObject | undefined): number {
  return o ? o.elements.reduce((s, e) => s + e.length, 0) : 0;
}

const SET_LINE =
  /^\{"nftables": \[\{"metainfo": \{[^{}[\]]*\}\}, \{"set": \{"family": "([^"\\]*)", "name": "([^"\\]*)", "table": "([^"\\]*)"/;

/** The `nft -j -i` output split into one document per listed set (by name) and the `list chains` document, if any. */
export function splitListings(stdout: string, table = NFT_TABLE_NAME): { sets: Map<string, string>; chains?: string } {
  const sets = new Map<string, string>();
  let chains: string | undefined;
  for (const line of stdout.split("\n")) {
    if (!line) continue;
    const head = SET_LINE.exec(line);
    if (head) {
      if (head[1] === table.family && head[3] === table.name) sets.set(head[2], line);
      continue;
    }
    const items: { set?: { family: string; table: string; name: string } }[] = JSON.parse(line).nftables ?? [];
    const set = items.find((i) => i.set)?.set;
    if (!set) chains = line;
    else if (set.family === table.family && set.table === table.name) sets.set(set.name, line);
  }
  return { sets, chains };
}

/** Our chains in a JSON listing (`list chains` or `list ruleset`), one `name handle hook prio policy` line each, sorted. */
export function chainLines(listing: string, table = NFT_TABLE_NAME): string {
  const lines: string[] = [];
  for (const item of JSON.parse(listing).nftables ?? []) {
    const c = item.chain;
    if (!c || c.family !== table.family || c.table !== table.name) continue;
    lines.push(`${c.name} ${c.handle} ${c.hook ?? "-"} ${c.prio ?? "-"} ${c.policy ?? "-"}`);
  }
  return lines.sort().join("\n");
}

const SET_TYPES: Record<string, number> = { "type ipv4_addr": 32, "type ipv6_addr": 128 };
const ELEMENTS = /^[0-9a-fA-F.:]+(?:\/\d+|-[0-9a-fA-F.:]+)?(?:, [0-9a-fA-F.:]+(?:\/\d+|-[0-9a-fA-F.:]+)?)*$/;

/**
 * The elements of the interval set of addresses `o`, as render.ts writes
 * them (addresses, prefixes and ranges), and the width of its addresses;
 * undefined for any other kind of set, or elements in another form.
 */
export function addressSetItems(o: NftObject): { type: string; hostLength: number; items: string[] } | undefined {
  if (o.kind !== "set" || o.lines.length !== 2 || o.lines[1] !== "flags interval") return undefined;
  const hostLength = SET_TYPES[o.lines[0]];
  if (hostLength === undefined) return undefined;
  const items: string[] = [];
  for (const line of o.elements) {
    const body = line.slice(line.indexOf("{") + 1, -1).trim();
    if (!body) continue;
    // Addresses, prefixes and ranges as render.ts joins them; anything else is parsed instead.
    if (!ELEMENTS.test(body)) return undefined;
    for (const item of body.split(", ")) items.push(item);
  }
  return { type: o.lines[0].slice(5), hostLength, items };
}

/**
 * How nft 1.0.6 lists the interval set `o` when it holds exactly the
 * file's elements: the document's text before and after the set's handle
 * (which the file cannot know); undefined for any other kind of set.
 * Elements in the listing are the kernel's intervals in ascending order,
 * each a prefix, a single address (a /32 or /128) or a range: the file's
 * own elements in that form (render.ts writes merged ranges, ascending).
 */
export function listedSetText(o: NftObject, table = NFT_TABLE_NAME): { before: string; after: string } | undefined {
  const set = addressSetItems(o);
  if (!set) return undefined;
  const parts = set.items.map((item) => elementJson(item, set.hostLength));
  const header = `{"set": {"family": ${JSON.stringify(table.family)}, "name": ${JSON.stringify(o.name)}, "table": ${JSON.stringify(table.name)}`;
  return {
    before: `${header}, "type": "${set.type}", "handle": `,
    after: `, "flags": ["interval"]${parts.length ? `, "elem": [${parts.join(", ")}]` : ""}}}]}`,
  };
}

function elementJson(item: string, hostLength: number): string {
  const dash = item.indexOf("-");
  if (dash >= 0) return `{"range": ["${item.slice(0, dash)}", "${item.slice(dash + 1)}"]}`;
  const slash = item.indexOf("/");
  if (slash < 0) return `"${item}"`;
  const length = item.slice(slash + 1);
  return Number(length) === hostLength ? `"${item.slice(0, slash)}"` : `{"prefix": {"addr": "${item.slice(0, slash)}", "len": ${length}}}`;
}

/** Whether `line` (one `list set` document) is exactly `expected` around a handle. */
export function listedAsDeclared(line: string, expected: { before: string; after: string }): boolean {
  if (!line.endsWith(expected.after)) return false;
  const at = line.indexOf(expected.before);
  if (at < 0 || !SET_LINE.test(line.slice(0, at + expected.before.length))) return false;
  return /^\d+$/.test(line.slice(at + expected.before.length, line.length - expected.after.length));
}

/** What the file means of its objects, worked out once per revision: the listings that need no parse, the chains. */
export class WantedObjects {
  private readonly listed = new Map<string, { before: string; after: string } | undefined>();
  private readonly dumped = new Map<string, string | undefined>();
  private chains?: LoadedRuleset["chains"];

  constructor(
    readonly objects: NftFileObjects,
    private readonly table: NftTableName = NFT_TABLE_NAME,
  ) {}

  get setNames(): string[] {
    return [...this.objects.objects.values()].filter((o) => o.kind !== "chain").map((o) => o.name);
  }

  get chainNames(): string[] {
    return [...this.objects.objects.values()].filter((o) => o.kind === "chain").map((o) => o.name);
  }

  /** Works out every set's listing and the chains now (while a load runs), not when the read-back is compared. */
  prepare(withDump = false): void {
    for (const name of this.setNames) {
      // A set the dump can confirm needs nft's form only if it is not confirmed (worked out then).
      if (!withDump || this.dumpedText(name) === undefined) this.listedText(name);
    }
    this.wantChains();
  }

  /** The kernel dump's lines for set `name` holding exactly the file's elements (kernel-dump.ts), if that form is known. */
  dumpedText(name: string): string | undefined {
    if (!this.dumped.has(name)) {
      const o = this.objects.objects.get(`set ${name}`);
      const set = o && addressSetItems(o);
      this.dumped.set(name, set && dumpedSetText(set.hostLength, set.items));
    }
    return this.dumped.get(name);
  }

  /** The sets of `names` the dump shows exactly as the file declares them. */
  confirmedBy(dump: KernelDump, names: readonly string[]): Set<string> {
    const confirmed = new Set<string>();
    for (const name of names) {
      const expected = this.dumpedText(name);
      if (expected !== undefined && dump.get(name) === expected) confirmed.add(name);
    }
    return confirmed;
  }

  listedText(name: string): { before: string; after: string } | undefined {
    if (!this.listed.has(name)) {
      const o = this.objects.objects.get(`set ${name}`);
      this.listed.set(name, o && listedSetText(o, this.table));
    }
    return this.listed.get(name);
  }

  /** The file's chains as loading it leaves them. */
  wantChains(): LoadedRuleset["chains"] {
    this.chains ??= parseNftText(
      tableBlock(this.declared(this.chainNames.map((n) => `chain ${n}`)), this.table).join("\n"),
      this.table,
    ).chains;
    return this.chains;
  }

  /** What set `name` should hold, parsed from the file (for a listing in another form than listedText). */
  wantSet(name: string): LoadedSet | undefined {
    const key = this.objects.objects.has(`set ${name}`) ? `set ${name}` : `map ${name}`;
    return parseNftText(tableBlock(this.declared([key]), this.table).join("\n"), this.table).sets.get(name);
  }

  private declared(keys: readonly string[]): NftObject[] {
    return keys.map((k) => this.objects.objects.get(k)).filter((o): o is NftObject => o !== undefined);
  }
}

/** Stands for both sides of a set listed exactly as declared: diffLoaded finds them equal without ranges being built. */
const AS_DECLARED: LoadedSet = {};

/**
 * The differences between the file (`wanted`) and the listings, within
 * `scope`: the sets' elements and the chains' heads and rules; with
 * `scope.whole` also sets and chains the table has and the file does not.
 * Throws when a listing holds what the reader does not understand.
 */
export function compareReadBack(wanted: WantedObjects, scope: ReadBackScope, listing: ReadBackListing, table = NFT_TABLE_NAME): string[] {
  const want: LoadedRuleset = { chains: new Map(), sets: new Map() };
  const got: LoadedRuleset = { chains: new Map(), sets: new Map() };
  const out: string[] = [];
  let structure: LoadedRuleset | undefined;
  if (listing.structure !== undefined) {
    const items: { table?: { family: string; name: string } }[] = JSON.parse(listing.structure).nftables ?? [];
    if (!items.some((i) => i.table?.family === table.family && i.table.name === table.name)) return ["the table is missing"];
    structure = parseNftJson(listing.structure, table);
  }
  for (const name of scope.chains) {
    const chain = wanted.wantChains().get(name);
    if (chain) want.chains.set(name, chain);
    const listed = structure?.chains.get(name);
    if (listed) got.chains.set(name, listed);
  }
  for (const name of scope.sets) {
    if (listing.confirmed?.has(name)) {
      want.sets.set(name, AS_DECLARED);
      got.sets.set(name, AS_DECLARED);
      continue;
    }
    const line = listing.sets.get(name);
    if (line === undefined) {
      // diffLoaded reports it missing; nft said why when it is not just absent.
      want.sets.set(name, AS_DECLARED);
      if (structure?.sets.has(name) || (listing.errors && !/No such file or directory/.test(listing.errors)))
        out.push(`set ${name} could not be listed${listing.errors ? `: ${firstLine(listing.errors)}` : ""}`);
      continue;
    }
    const expected = wanted.listedText(name);
    if (expected && listedAsDeclared(line, expected)) {
      want.sets.set(name, AS_DECLARED);
      got.sets.set(name, AS_DECLARED);
      continue;
    }
    const wantSet = wanted.wantSet(name);
    if (wantSet) want.sets.set(name, wantSet);
    const listed = parseNftJson(line, table).sets.get(name);
    if (listed) got.sets.set(name, listed);
  }
  if (scope.whole && structure) {
    for (const name of structure.sets.keys()) if (!want.sets.has(name)) got.sets.set(name, {});
    for (const [name, chain] of structure.chains) if (!got.chains.has(name)) got.chains.set(name, chain);
  }
  return [...out, ...diffLoaded(want, got)];
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0];
}
