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
import { splitIptablesConfig, type IptablesConfig } from "./render";

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

/** Which set an `ipset restore` line of `text` fills: the set it names, or for a temporary copy the set that copy is swapped into. */
export function ipsetSetOf(text: string): (line: string) => string {
  const swappedInto = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith("swap ")) continue;
    const [, from, into] = line.trim().split(/\s+/);
    if (into) swappedInto.set(from, into);
  }
  return (line) => {
    const name = secondWord(line);
    if (name === undefined) throw new Error(`unsupported ipset line: ${line}`);
    return swappedInto.get(name) ?? name;
  };
}

/** `add sgt-x 10.0.0.0/8` -> `sgt-x`, without a regular expression per line (100,000 lines per apply). */
function secondWord(line: string): string | undefined {
  const start = line.indexOf(" ");
  if (start < 0) return undefined;
  const end = line.indexOf(" ", start + 1);
  return line.slice(start + 1, end < 0 ? undefined : end) || undefined;
}

/** The lines of an `ipset restore` text by the set they fill. */
export function ipsetBlocks(text: string): Map<string, string[]> {
  const setOf = ipsetSetOf(text);
  const blocks = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const key = setOf(line);
    const block = blocks.get(key);
    if (block) block.push(line);
    else blocks.set(key, [line]);
  }
  return blocks;
}

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

/**
 * What takes the host from `before` to `after` (each: the configuration and
 * the ipset lines appended for the control plane), or why it cannot (the
 * caller then loads everything).
 */
export function iptablesDelta(
  before: { config: string; controlPlane: string },
  after: { config: string; controlPlane: string },
): { delta: IptablesDelta; parts: IptablesConfig } | { unsupported: string } {
  const old = splitIptablesConfig(before.config);
  const parts = splitIptablesConfig(after.config);
  if ((old.ip6tables === undefined) !== (parts.ip6tables === undefined)) return { unsupported: "the IPv6 half came or went" };
  const was = ipsetBlocks(old.ipset + before.controlPlane);
  const now = ipsetBlocks(parts.ipset + after.controlPlane);
  const sets = [...now].filter(([name, lines]) => was.get(name)?.join("\n") !== lines.join("\n")).map(([name]) => name);
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
    parts,
    delta: {
      ipset: sets.map((s) => now.get(s)!.join("\n") + "\n").join(""),
      sets,
      iptables: v4.text,
      ip6tables: v6.text,
      chains: [...new Set([...v4.chains, ...v6.chains])],
      jumps: jumpText(old) !== jumpText(parts),
    },
  };
}
