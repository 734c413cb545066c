/**
 * The difference between two iptables configurations (render.ts sections,
 * with the control-plane lines the agent appends to the ipset section), as
 * what to load: the `ipset restore` lines of the sets whose lines changed
 * (each fills its temporary copy and swaps it in, so a rule never sees a
 * half-filled set) and, per family, a `*filter` restore text declaring (and
 * so flushing) only the chains whose rules changed. Derived from the texts
 * whatever sets and chains the renderer emits: an ipset line belongs to the
 * set it names, a temporary copy to the set it is swapped with; a chain's
 * rules are its `-A` lines.
 */
import type { IptablesConfig } from "./render";

export interface IptablesDelta {
  /** `ipset restore` input of the changed sets; "" when none changed. */
  ipset: string;
  /** Names of the sets it swaps in. */
  sets: string[];
  /** Restore text of the changed IPv4 chains, or undefined when none changed. */
  iptables?: string;
  /** The same for IPv6. */
  ip6tables?: string;
  /** Names of the changed chains (either family). */
  chains: string[];
  /** Whether the jumps from the built-in chains changed (they are then ensured again). */
  jumps: boolean;
}

/** One run of consecutive lines naming the same set: where it lies in its text, and the swaps it makes (temporary copy, set). */
interface IpsetRun {
  name: string;
  start: number;
  end: number;
  swaps?: [string, string][];
}

/**
 * An `ipset restore` text read by the set each line fills (the set it
 * names, or for a temporary copy the set that copy is swapped into): the
 * text's runs of consecutive lines of one set, and the blocks they make,
 * cut out of the text (not a string per line: 100,000 lines a revision).
 * Each run of a block ends in a newline.
 */
export interface IpsetLines {
  readonly text: string;
  readonly runs: readonly IpsetRun[];
  readonly blocks: Map<string, string[]>;
}

/**
 * `text` read by set (IpsetLines). With `like`, the reading of a text that
 * is mostly the same (the previous revision: a prefix list changed, the
 * rest equal), only the part between their common start and end is read
 * again, with the runs on either side of it; the other runs are taken over
 * at their place. The result is the same as reading `text` whole.
 */
export function ipsetLines(text: string, like?: IpsetLines): IpsetLines {
  if (!like) return linesOf(text, readRuns(text, 0, text.length));
  const old = like.text;
  if (old === text) return like;
  const shift = text.length - old.length;
  const prefix = commonPrefix(old, text);
  const suffix = commonSuffix(old, text, Math.min(old.length, text.length) - prefix);
  const runs = like.runs;
  // The first run reaching past the common start and the last starting before the common end; with their neighbours
  // (whose bounds a changed line beside them could move), read again.
  let first = 0;
  while (first < runs.length && runs[first].end <= prefix) first++;
  let last = runs.length - 1;
  while (last >= 0 && runs[last].start >= old.length - suffix) last--;
  const from = Math.max(first - 1, 0);
  const to = last + 1;
  const start = first > 0 ? runs[first - 1].start : 0;
  const end = to < runs.length ? runs[to].end + shift : text.length;
  const middle = readRuns(text, start, end);
  // The last run read again lies whole in the common end, and in both texts a blank line or a line of another set
  // follows it: the part read ends where a run does. Should it not, the text is read whole.
  if (middle.length && middle[middle.length - 1].end > end) return linesOf(text, readRuns(text, 0, text.length));
  const after = runs.slice(to + 1).map((r) => ({ ...r, start: r.start + shift, end: r.end + shift }));
  return linesOf(text, [...runs.slice(0, from), ...middle, ...after]);
}

/** The runs of `text` from `from` (a line's start) up to `to`. */
function readRuns(text: string, from: number, to: number): IpsetRun[] {
  const runs: IpsetRun[] = [];
  for (let at = from; at < to; ) {
    const newline = text.indexOf("\n", at);
    const eol = newline < 0 ? text.length : newline;
    const line = text.slice(at, eol);
    if (line.trim() === "") {
      at = eol + 1;
      continue;
    }
    const name = secondWord(line);
    if (name === undefined) throw new Error(`unsupported ipset line: ${line}`);
    // The lines from here whose second word is `name`, matched at once (not line by line: 100,000 lines).
    const run = runOf(name);
    run.lastIndex = at;
    run.exec(text);
    const end = Math.min(Math.max(run.lastIndex, eol + 1), text.length);
    runs.push({ name, start: at, end, swaps: swapsIn(text, at, end) });
    at = end;
  }
  return runs;
}

/** The `swap FROM INTO` lines of text[start, end). */
function swapsIn(text: string, start: number, end: number): [string, string][] | undefined {
  // Searched in the run only (a search of the whole text from each run would read it once per run).
  const run = text.slice(start, end);
  let swaps: [string, string][] | undefined;
  for (let at = run.indexOf("swap "); at >= 0; at = run.indexOf("swap ", at + 1)) {
    if (at > 0 && run[at - 1] !== "\n") continue;
    const eol = run.indexOf("\n", at);
    const [, from, into] = run
      .slice(at, eol < 0 ? undefined : eol)
      .trim()
      .split(/\s+/);
    if (into) (swaps ??= []).push([from, into]);
  }
  return swaps;
}

function linesOf(text: string, runs: IpsetRun[]): IpsetLines {
  const swappedInto = new Map<string, string>();
  for (const r of runs) for (const [from, into] of r.swaps ?? []) swappedInto.set(from, into);
  const blocks = new Map<string, string[]>();
  for (const r of runs) {
    const key = swappedInto.get(r.name) ?? r.name;
    const lines = text.slice(r.start, r.end);
    const run = lines.endsWith("\n") ? lines : lines + "\n";
    const block = blocks.get(key);
    if (block) block.push(run);
    else blocks.set(key, [run]);
  }
  return { text, runs, blocks };
}

/** The ipset lines of `text` by set (ipsetLines' blocks). */
export function ipsetBlocks(text: string): Map<string, string[]> {
  return ipsetLines(text).blocks;
}

// Compared a chunk at a time (one memory comparison each), in smaller chunks inside the one that differs.
const CHUNKS = [65536, 2048, 64, 1];

/** The length of the longest common start of `a` and `b`. */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let at = 0;
  for (const size of CHUNKS) while (at + size <= n && a.slice(at, at + size) === b.slice(at, at + size)) at += size;
  return at;
}

/** The length of the longest common end of `a` and `b`, at most `max`. */
function commonSuffix(a: string, b: string, max: number): number {
  let k = 0;
  for (const size of CHUNKS)
    while (k + size <= max && a.slice(a.length - k - size, a.length - k) === b.slice(b.length - k - size, b.length - k)) k += size;
  return k;
}

/** Blocks of several texts (a configuration's ipset section, the control plane's lines), each set's runs in their order. */
export function joinBlocks(...all: Map<string, string[]>[]): Map<string, string[]> {
  const joined = new Map<string, string[]>();
  for (const blocks of all) for (const [name, runs] of blocks) joined.set(name, [...(joined.get(name) ?? []), ...runs]);
  return joined;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The sticky expression of a run of `name`'s lines, kept: the next revision names the same sets (800 of them here). */
const runs = new Map<string, RegExp>();
function runOf(name: string): RegExp {
  let run = runs.get(name);
  if (!run) {
    if (runs.size >= 10_000) runs.clear();
    run = new RegExp(`(?:[^ \\n]+ ${escapeRegExp(name)}(?: [^\\n]*)?(?:\\n|$))+`, "y");
    runs.set(name, run);
  }
  return run;
}

/** `add sgt-x 10.0.0.0/8` -> `sgt-x`. */
function secondWord(line: string): string | undefined {
  const start = line.indexOf(" ");
  if (start < 0) return undefined;
  const end = line.indexOf(" ", start + 1);
  return line.slice(start + 1, end < 0 ? undefined : end) || undefined;
}

const sameRuns = (a: string[] | undefined, b: string[]) => a !== undefined && a.length === b.length && a.every((run, i) => run === b[i]);

/** A `*filter` restore text's chains: declaration line and rules of each, in order. */
export function restoreChains(text: string): Map<string, { declaration: string; rules: string[] }> {
  const chains = new Map<string, { declaration: string; rules: string[] }>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line === "*filter" || line === "COMMIT") continue;
    if (line.startsWith(":")) chains.set(line.slice(1, line.indexOf(" ")), { declaration: line, rules: [] });
    else if (line.startsWith("-A ")) {
      const chain = chains.get(line.slice(3, line.indexOf(" ", 3)));
      if (!chain) throw new Error(`rule in an undeclared chain: ${line}`);
      chain.rules.push(line);
    } else throw new Error(`unsupported restore line: ${line}`);
  }
  return chains;
}

function chainDelta(before: string, after: string): { text?: string; chains: string[] } {
  const was = restoreChains(before);
  const now = restoreChains(after);
  const gone = [...was.keys()].find((name) => !now.has(name));
  if (gone) throw new Error(`chain ${gone} is no longer declared`);
  const changed = [...now].filter(([name, c]) => {
    const old = was.get(name);
    return !old || old.declaration !== c.declaration || old.rules.join("\n") !== c.rules.join("\n");
  });
  if (!changed.length) return { chains: [] };
  const text = ["*filter", ...changed.map(([, c]) => c.declaration), ...changed.flatMap(([, c]) => c.rules), "COMMIT"].join("\n") + "\n";
  return { text, chains: changed.map(([name]) => name) };
}

/** One side of a delta: a configuration's sections and the ipset lines (its own and the control plane's) by set. */
export interface IptablesDeltaSide {
  parts: IptablesConfig;
  /** ipsetBlocks of the ipset section plus the control-plane lines the agent appends. */
  blocks: Map<string, string[]>;
}

/** What takes the host from `before` to `after`, or why it cannot (the caller then loads everything). */
export function iptablesDelta(before: IptablesDeltaSide, after: IptablesDeltaSide): IptablesDelta | { unsupported: string } {
  const old = before.parts;
  const parts = after.parts;
  if ((old.ip6tables === undefined) !== (parts.ip6tables === undefined)) return { unsupported: "the IPv6 half came or went" };
  const sets = [...after.blocks].filter(([name, runs]) => !sameRuns(before.blocks.get(name), runs)).map(([name]) => name);
  let v4: { text?: string; chains: string[] };
  let v6: { text?: string; chains: string[] } = { chains: [] };
  try {
    v4 = chainDelta(old.iptables, parts.iptables);
    if (parts.ip6tables !== undefined) v6 = chainDelta(old.ip6tables!, parts.ip6tables);
  } catch (err) {
    return { unsupported: (err as Error).message };
  }
  const jumpText = (c: IptablesConfig) => c.jumps.map((j) => `${j.chain} ${j.rule.join(" ")}`).join("\n");
  return {
    ipset: sets.map((s) => after.blocks.get(s)!.join("")).join(""),
    sets,
    iptables: v4.text,
    ip6tables: v6.text,
    chains: [...new Set([...v4.chains, ...v6.chains])],
    jumps: jumpText(old) !== jumpText(parts),
  };
}
