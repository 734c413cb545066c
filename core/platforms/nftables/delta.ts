/**
 * The difference between two nftables files the agent loads (render.ts
 * nftablesFile: the compiled table plus the control-plane block), as ONE
 * `nft -f` batch that turns the table the first left into the table the
 * second leaves, touching only what changed:
 *
 *   flush chain ...   chains whose rules changed (and chains that go away)
 *   delete chain ...  chains the new file no longer has
 *   flush set ...     sets whose elements changed
 *   delete set ...    sets the new file no longer has (after the flushes: no rule refers to them)
 *   table ... { ... } the changed and new sets (all their elements) and chains, verbatim from the new file
 *
 * A changed set is flushed and given its new elements rather than sent as
 * `add element`/`delete element`: nft 1.0.6 fetches every element of the
 * table's interval sets from the kernel before it adds or deletes elements
 * one by one (0.3 s at 100,000 elements), but not for a set block.
 *
 * Both files are split into objects by their text, whatever sets and chains
 * the renderer emits: a set (or map) is its declaration lines plus its
 * elements (gathered over every block that names it), a chain its lines. A
 * change this batch cannot express (a set's type or flags, a chain's hook,
 * an object kind other than set, map and chain, a line outside the known
 * layout) gives no delta: the caller loads the whole file.
 */
import { NFT_TABLE_NAME, type NftTableName } from "./names";

export interface NftObject {
  kind: string;
  name: string;
  /** Declaration lines (trimmed): a set's type and flags, a chain's type line and rules. */
  lines: string[];
  /** A set's or map's element lines' contents, in order (one entry per `elements = { ... }` line). */
  elements: string[];
}

export interface NftFileObjects {
  /** Keyed by `kind name`, in the order of first appearance. */
  objects: Map<string, NftObject>;
}

const ELEMENT_KINDS = new Set(["set", "map"]);

/** The objects the file declares in `table`; throws on any line outside the layout render.ts writes. */
export function nftFileObjects(text: string, table: NftTableName = NFT_TABLE_NAME): NftFileObjects {
  const header = `table ${table.family} ${table.name}`;
  const objects = new Map<string, NftObject>();
  let current: NftObject | undefined;
  let inTable = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    if (current) {
      if (line === "}") current = undefined;
      else if (ELEMENT_KINDS.has(current.kind) && line.startsWith("elements = {") && line.endsWith("}")) current.elements.push(line);
      else current.lines.push(line);
      continue;
    }
    if (!inTable) {
      if (line === `${header} {}`) continue;
      if (line === `delete ${header}`) {
        objects.clear();
        continue;
      }
      if (line === `${header} {`) {
        inTable = true;
        continue;
      }
      throw new Error(`unsupported line outside the table: ${line}`);
    }
    const opened = /^(\w+) (\S+) \{$/.exec(line);
    if (opened) {
      const key = `${opened[1]} ${opened[2]}`;
      current = objects.get(key);
      if (!current) objects.set(key, (current = { kind: opened[1], name: opened[2], lines: [], elements: [] }));
      else if (!ELEMENT_KINDS.has(current.kind)) throw new Error(`${key} declared twice`);
    } else if (line === "}") inTable = false;
    else throw new Error(`unsupported table line: ${line}`);
  }
  if (current || inTable) throw new Error("the file ends inside a block");
  return { objects };
}

export interface NftDelta {
  /** The `nft -f` batch; empty when nothing changed. */
  text: string;
  /** Sets (and maps) the batch fills anew, by name. */
  sets: string[];
  /** Chains the batch flushes and fills anew, or creates. */
  chains: string[];
  /** Objects the batch deletes, as `kind name`. */
  removed: string[];
}

/** Why no delta can take `before` to `after` (the caller then loads the whole file), or the delta. */
export function nftDelta(
  before: NftFileObjects,
  after: NftFileObjects,
  table: NftTableName = NFT_TABLE_NAME,
): { delta: NftDelta } | { unsupported: string } {
  const ref = `${table.family} ${table.name}`;
  const flushChains: string[] = [];
  const flushSets: string[] = [];
  const removed: string[] = [];
  const declare: NftObject[] = [];
  for (const [key, old] of before.objects) {
    if (!after.objects.has(key)) {
      if (old.kind !== "chain" && !ELEMENT_KINDS.has(old.kind)) return { unsupported: `${key} is removed` };
      removed.push(key);
    }
  }
  for (const [key, next] of after.objects) {
    const old = before.objects.get(key);
    if (!old) {
      if (next.kind !== "chain" && !ELEMENT_KINDS.has(next.kind)) return { unsupported: `${key} is new` };
      declare.push(next);
    } else if (ELEMENT_KINDS.has(next.kind)) {
      if (!sameLines(old.lines, next.lines)) return { unsupported: `the declaration of ${key} changed` };
      if (!sameLines(old.elements, next.elements)) {
        flushSets.push(next.name);
        declare.push(next);
      }
    } else if (next.kind === "chain") {
      if (chainType(old) !== chainType(next)) return { unsupported: `the type of ${key} changed` };
      if (!sameLines(old.lines, next.lines)) {
        flushChains.push(next.name);
        declare.push(next);
      }
    } else if (!sameLines(old.lines, next.lines)) return { unsupported: `${key} changed` };
  }
  const removedChains = removed.filter((k) => k.startsWith("chain ")).map((k) => k.slice(6));
  const removedSets = removed.filter((k) => !k.startsWith("chain "));
  if (!declare.length && !removed.length) return { delta: { text: "", sets: [], chains: [], removed: [] } };
  const out: string[] = [`# secgroups delta: ${declare.length} objects declared anew, ${removed.length} removed`];
  // Rules first: emptying a chain releases the sets and chains it refers to.
  for (const name of [...flushChains, ...removedChains]) out.push(`flush chain ${ref} ${name}`);
  for (const name of removedChains) out.push(`delete chain ${ref} ${name}`);
  for (const name of flushSets) out.push(`flush set ${ref} ${name}`);
  for (const key of removedSets) out.push(`delete ${key.replace(" ", ` ${ref} `)}`);
  if (declare.length) out.push(...tableBlock(declare, table));
  return {
    delta: {
      text: out.join("\n") + "\n",
      sets: declare.filter((d) => d.kind !== "chain").map((d) => d.name),
      chains: declare.filter((d) => d.kind === "chain").map((d) => d.name),
      removed,
    },
  };
}

/**
 * The batch as one line, for `nft -i`, which commits each line it reads as
 * one transaction (the statements end in `;` instead of newlines, comments
 * dropped), so that the listings that verify it can follow in the same
 * process.
 */
export function deltaLine(text: string): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => (l.endsWith("{") || l.endsWith(";") ? `${l} ` : `${l}; `))
    .join("")
    .trimEnd();
}

/**
 * The `nft -i` line that loads the batch kept at `path` (absolute) as one
 * transaction: nft reads its interactive input a byte at a time (a read call
 * per byte, 6-8 ms for a 500-element set), an included file in one go.
 * Undefined for a path that nft would take for a pattern or cannot quote.
 */
export function includeLine(path: string): string | undefined {
  return /^\/[\w./+-]+$/.test(path) ? `include "${path}"` : undefined;
}

/**
 * A `table ... { ... }` block declaring `objects` with all their elements:
 * sets before chains, so rules find the sets they name, otherwise in the
 * given order. Parsed by parseNftText, it is what those objects should hold.
 */
export function tableBlock(objects: readonly NftObject[], table: NftTableName = NFT_TABLE_NAME): string[] {
  const out = [`table ${table.family} ${table.name} {`];
  for (const o of [...objects.filter((d) => d.kind !== "chain"), ...objects.filter((d) => d.kind === "chain")]) {
    out.push(`\t${o.kind} ${o.name} {`, ...o.lines.map((l) => `\t\t${l}`));
    const items = o.elements.map((e) => e.slice(e.indexOf("{") + 1, -1).trim()).filter(Boolean);
    if (items.length) out.push(`\t\telements = { ${items.join(", ")} }`);
    out.push("\t}");
  }
  out.push("}");
  return out;
}

function sameLines(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/** A chain's `type ... hook ... priority ...` line without its policy (a policy nft can change in place); "" for a regular chain. */
function chainType(chain: NftObject): string {
  const type = chain.lines.find((l) => l.startsWith("type "));
  return type ? type.replace(/\s*policy \w+;/, "") : "";
}
