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

/**
 * The lines of an `ipset restore` text by the set they fill (the set a line
 * names, or for a temporary copy the set that copy is swapped into), as runs
 * of consecutive lines cut out of the text: not a string per line, 100,000
 * lines a revision. Each run ends in a newline.
 */
export function ipsetBlocks(text: string): Map<string, string[]> {
  const runs: { name: string; text: string }[] = [];
  for (let at = 0; at < text.length; ) {
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
    const end = Math.max(run.lastIndex, eol + 1);
    const lines = text.slice(at, end);
    runs.push({ name, text: lines.endsWith("\n") ? lines : lines + "\n" });
    at = end;
  }
  const swappedInto = new Map<string, string>();
  for (let at = text.indexOf("swap "); at >= 0; at = text.indexOf("swap ", at + 1)) {
    if (at > 0 && text[at - 1] !== "\n") continue;
    const eol = text.indexOf("\n", at);
    const [, from, into] = text
      .slice(at, eol < 0 ? undefined : eol)
      .trim()
      .split(/\s+/);
    if (into) swappedInto.set(from, into);
  }
  const blocks = new Map<string, string[]>();
  for (const r of runs) {
    const key = swappedInto.get(r.name) ?? r.name;
    const block = blocks.get(key);
    if (block) block.push(r.text);
    else blocks.set(key, [r.text]);
  }
  return blocks;
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
