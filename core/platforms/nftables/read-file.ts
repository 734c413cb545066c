/**
 * The text side of the nftables reader: what loading a file with `nft -f`
 * leaves behind, read into the same model as parseNftJson (read.ts) reads
 * the kernel's listing.
 *
 *   parseNftText    one table (ours: render.ts's create-delete-declare text plus
 *                   the agent's control-plane elements), keyed by bare names;
 *                   anything it does not understand is an error.
 *   readNftRuleset  every table of a whole file (`nft list ruleset`, or one an
 *                   admin wrote), keyed `<family> <table> <name>` as parseNftJson
 *                   without a table; `lenient` keeps a rule it cannot read as a
 *                   rule marked `unsupported` (and a statement outside rules in
 *                   `skipped`) instead of failing, for core/import to report.
 */
import { mergeRanges, mergeRanges6, type AddressFamily, type AddressRange, type AddressRange6 } from "../../model";
import type { Hook } from "../../policy";
import type { LoadedChain, LoadedRule, LoadedRuleset, LoadedSet } from "../../analyze/loaded";
import type { ControlPlaneAddress } from "../platform";
import { NFT_TABLE_NAME, type NftTableName } from "./names";
import { chainPriority, setTypeFamily } from "./read";
import { pairText, range4, range6, ruleText, type RuleContext } from "./read-rule";
import { nftablesFile } from "./render";
import { nftStatements } from "./text-lines";

/** What loading the agent's file for `config` (render.ts nftablesFile) leaves in the kernel. */
export function expectedNftables(config: string, controlPlane: readonly ControlPlaneAddress[]): LoadedRuleset {
  return parseNftText(nftablesFile(config, controlPlane), NFT_TABLE_NAME);
}

/** A statement a lenient read could not place in the model (outside any rule). */
export interface SkippedStatement {
  line: number;
  text: string;
  reason: string;
}

export interface NftRulesetRead {
  ruleset: LoadedRuleset;
  skipped: SkippedStatement[];
}

interface PendingSet {
  name: string;
  table: string;
  /** Unknown until the set's `type` line. */
  family?: AddressFamily;
  concat: boolean;
  ranges: AddressRange[];
  ranges6: AddressRange6[];
  pairs: string[];
  /** Lenient read: why the set holds nothing the model can use. */
  unusable?: string;
}

function addItems(set: PendingSet, body: string, lenient: boolean): void {
  if (set.unusable) return;
  if (set.family === undefined) throw new Error(`elements for set ${set.name} before its type`);
  for (const raw of body.split(",")) {
    // A lenient read drops per-element options (timeout 1h, expires ..., counter ...).
    const item = lenient ? raw.trim().split(/\s+(?:timeout|expires|counter|comment)\b/)[0] : raw.trim();
    if (!item) continue;
    if (set.concat) set.pairs.push(pairText(set.family, item));
    else if (set.family === 6) set.ranges6.push(range6(item));
    else set.ranges.push(range4(item));
  }
}

/** The address family an nft `typeof` expression gives a set ("ip saddr", "ip6 daddr"). */
function typeofFamily(expression: string): AddressFamily {
  if (/^ip (saddr|daddr)$/.test(expression)) return 4;
  if (/^ip6 (saddr|daddr)$/.test(expression)) return 6;
  throw new Error(`unsupported set typeof ${expression}`);
}

const HOOKS: readonly string[] = ["input", "output", "forward"];
const TABLE_FAMILIES: Record<string, readonly AddressFamily[] | undefined> = { ip: [4], ip6: [6], inet: undefined };

/**
 * The table `table` that loading `text` with `nft -f` leaves behind: text as
 * render.ts writes it (create-delete-declare of one table), plus `add element`
 * lines and further `table ... { set ... }` blocks adding elements to its sets.
 * Chains and sets are keyed by bare name, as parseNftJson with a table does.
 */
export function parseNftText(text: string, table: NftTableName = NFT_TABLE_NAME): LoadedRuleset {
  return readText(text, table, false).ruleset;
}

/** Every table of `text` (see the opening comment); `lenient` for core/import. */
export function readNftRuleset(text: string, options: { lenient?: boolean } = {}): NftRulesetRead {
  return readText(text, undefined, options.lenient ?? false);
}

function readText(text: string, only: NftTableName | undefined, lenient: boolean): NftRulesetRead {
  const skipped: SkippedStatement[] = [];
  let sets = new Map<string, PendingSet>();
  let chains = new Map<string, LoadedChain & { table: string }>();
  let set: PendingSet | undefined;
  let chain: (LoadedChain & { table: string }) | undefined;
  /** The table whose block we are in: family, name, and its key prefix ("" for `only`). */
  let current: { family: string; name: string; id: string } | undefined;
  let skipDepth = 0;
  const ours = (family: string, name: string) => !only || (family === only.family && name === only.name);
  const keyOf = (family: string, tableName: string, name: string) => (only ? name : `${family} ${tableName} ${name}`);
  const ctxOf = (family: string, tableName: string): RuleContext => ({
    setName: (n) => keyOf(family, tableName, n),
    chainName: (n) => keyOf(family, tableName, n),
    lenient,
  });
  const dropTable = (id: string) => {
    sets = new Map([...sets].filter(([, s]) => s.table !== id));
    chains = new Map([...chains].filter(([, c]) => c.table !== id));
  };
  const fail = (line: number, statement: string, reason: string) => {
    if (!lenient) throw new Error(`${reason}: ${statement}`);
    skipped.push({ line, text: statement, reason });
  };
  const readRule = (statement: string, line: number, ctx: RuleContext): LoadedRule => {
    if (!lenient) return ruleText(statement, ctx);
    let rule: LoadedRule;
    try {
      rule = ruleText(statement, ctx);
    } catch (err) {
      rule = { matches: [], action: { kind: "continue" }, unsupported: (err as Error).message.replace(/: [^:]*$/, "") };
    }
    rule.source = { line, text: statement };
    return rule;
  };

  for (const { text: statement, line } of nftStatements(text)) {
    if (skipDepth > 0) {
      // Inside a block the model has no place for (a map, a flowtable, a table of another table).
      if (statement.endsWith("{")) skipDepth++;
      else if (statement === "}") skipDepth--;
      continue;
    }
    if (set) {
      if (statement === "}") set = undefined;
      else if (statement.startsWith("type ") || statement.startsWith("typeof ")) {
        try {
          const isTypeof = statement.startsWith("typeof ");
          const parts = statement
            .slice(isTypeof ? 7 : 5)
            .split(" . ")
            .map((t) => t.trim());
          const concat = parts.length > 1;
          const family = isTypeof && !concat ? typeofFamily(parts[0]) : setTypeFamily(concat ? parts : parts[0]);
          if (set.family !== undefined && (set.concat !== concat || set.family !== family))
            throw new Error(`set ${set.name} redeclared with another type`);
          set.concat = concat;
          set.family = family;
        } catch (err) {
          if (!lenient) throw err;
          set.unusable = statement;
        }
      } else if (statement.startsWith("elements = {") && statement.endsWith("}"))
        addItems(set, statement.slice(statement.indexOf("{") + 1, -1), lenient);
      else if (statement.startsWith("flags ")) {
        // interval: expressed by the ranges themselves.
      } else if (!lenient) throw new Error(`unsupported set line: ${statement}`);
      continue;
    }
    if (chain) {
      if (statement === "}") chain = undefined;
      else if (statement.startsWith("type ")) {
        const h = /^type (\w+) hook (\w+)(?: device \S+)? priority (.+)$/.exec(statement);
        if (!h) throw new Error(`unsupported chain header: ${statement}`);
        if (h[1] === "filter" && HOOKS.includes(h[2]) && !chain.other) {
          chain.hook = h[2] as Hook;
          chain.priority = chainPriority(h[3].trim());
        } else if (lenient) chain.other = chain.other ?? `${h[1]} chain on hook ${h[2]}`;
        else throw new Error(`unsupported chain header: ${statement}`);
      } else if (statement.startsWith("policy ")) {
        const policy = statement.slice(7).trim();
        if (policy !== "accept" && policy !== "drop") throw new Error(`unsupported chain policy: ${statement}`);
        chain.policy = policy;
      } else if (statement.startsWith("comment ") && lenient) continue;
      else chain.rules.push(readRule(statement, line, ctxOf(current!.family, current!.name)));
      continue;
    }
    if (!current) {
      const t = /^(?:(add|create|delete|flush)\s+)?table\s+(?:(\w+)\s+)?([^\s{}]+)\s*(\{\s*\}|\{)?$/.exec(statement);
      if (t) {
        const [, verb, family = "ip", name, block] = t;
        const id = `${family} ${name}`;
        if (verb === "delete" || verb === "flush") {
          if (ours(family, name)) dropTable(id);
          continue;
        }
        if (block === "{") {
          if (!ours(family, name)) skipDepth = 1;
          else current = { family, name, id };
        }
        continue;
      }
      if (statement === "flush ruleset") {
        sets = new Map();
        chains = new Map();
        continue;
      }
      const add = /^add element (\S+) (\S+) (\S+) \{(.*)\}$/.exec(statement);
      if (add) {
        if (!ours(add[1], add[2])) continue;
        const target = sets.get(keyOf(add[1], add[2], add[3]));
        if (!target) throw new Error(`add element to unknown set ${add[3]}`);
        addItems(target, add[4], lenient);
        continue;
      }
      const addRule = /^(add|insert) rule (\S+) (\S+) (\S+) (.+)$/.exec(statement);
      if (addRule && ours(addRule[2], addRule[3])) {
        const target = chains.get(keyOf(addRule[2], addRule[3], addRule[4]));
        if (!target) {
          fail(line, statement, `rule for unknown chain ${addRule[4]}`);
          continue;
        }
        const rule = readRule(addRule[5], line, ctxOf(addRule[2], addRule[3]));
        if (addRule[1] === "insert") target.rules.unshift(rule);
        else target.rules.push(rule);
        continue;
      }
      fail(line, statement, "unsupported line outside the table");
      continue;
    }
    const opened = /^(set|chain|map|flowtable|counter|quota|secmark|synproxy|ct \w+) (\S+) \{$/.exec(statement);
    if (opened?.[1] === "set") {
      // Declaring an existing set again (in a later block) adds to it, as nft does.
      const key = keyOf(current.family, current.name, opened[2]);
      set = sets.get(key);
      if (!set) sets.set(key, (set = { name: opened[2], table: current.id, concat: false, ranges: [], ranges6: [], pairs: [] }));
    } else if (opened?.[1] === "chain") {
      const key = keyOf(current.family, current.name, opened[2]);
      if (chains.has(key)) throw new Error(`chain ${opened[2]} declared twice`);
      chain = { rules: [], table: current.id };
      if (lenient) {
        chain.line = line;
        const families = TABLE_FAMILIES[current.family];
        if (families) chain.families = families;
        if (!(current.family in TABLE_FAMILIES)) chain.other = `chain of a ${current.family} table`;
      }
      chains.set(key, chain);
    } else if (opened && lenient) skipDepth = 1;
    else if (statement === "}") current = undefined;
    else if (lenient && /^(flags|comment) /.test(statement)) continue;
    else fail(line, statement, "unsupported table line");
  }
  if (set || chain || current || skipDepth) throw new Error("the text ends inside a block");
  const ruleset: LoadedRuleset = { chains: new Map(), sets: new Map() };
  for (const [name, c] of chains) {
    const { table: _table, ...loaded } = c;
    ruleset.chains.set(name, loaded);
  }
  for (const [name, s] of sets) {
    if (s.unusable) continue;
    if (s.family === undefined) throw new Error(`set ${name} has no type`);
    const value: LoadedSet = s.concat
      ? { pairs: new Set(s.pairs) }
      : s.family === 6
        ? { ranges6: mergeRanges6(s.ranges6) }
        : { ranges: mergeRanges(s.ranges) };
    ruleset.sets.set(name, value);
  }
  return { ruleset, skipped };
}
