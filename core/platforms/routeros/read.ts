/**
 * Reads a RouterOS script of `/ip firewall` and `/ipv6 firewall`
 * `address-list add` and `filter add` commands into the loaded-ruleset model,
 * as a router with an empty configuration would hold it after `/import`.
 * Removal commands and control flow are skipped; `$variables` take the values
 * given (the renderer's slot variables default to "a"). No router runs here:
 * this is a model of RouterOS filter semantics (first match, jump/return,
 * built-in chains accept at the end), checked against the oracle.
 *
 * The two tables are separate on the router: an IPv4 packet only meets
 * `/ip firewall filter`, an IPv6 packet only `/ipv6 firewall filter`. In the
 * model, the IPv6 table's chains are named `ipv6/<chain>` and every rule read
 * starts with a match of its table's family (`ipv4`/`ipv6`); an address list
 * is one set holding the IPv4 list's ranges and the IPv6 list's ranges6 (a
 * rule of each table reads its own family's side).
 */
import {
  listedAddressRange6,
  mergeRanges,
  mergeRanges6,
  type AddressFamily,
  type AddressRange,
  type AddressRange6,
  type PortRange,
} from "../../model";
import type { Hook } from "../../policy";
import type { Action, LoadedRuleset, Match } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import { protocolNumber } from "../protocol-names";

/**
 * A script as a router imports it: `slot` is the slot it builds in /ip (the one
 * no jump pointed at), "a" on a fresh router; `slot6` the same in /ipv6
 * (default: `slot`).
 */
export interface RouterosListing {
  script: string;
  slot?: "a" | "b";
  slot6?: "a" | "b";
}

/** What the router holds once the script is imported. */
export function readRouteros({ script, slot = "a", slot6 = slot }: RouterosListing): LoadedRuleset {
  const other = (s: "a" | "b") => (s === "a" ? "b" : "a");
  return parseRouterosScript(script, { slot, old: other(slot), slot6, old6: other(slot6) });
}

/**
 * What importing `config` leaves on a router that held nothing of ours. The
 * control-plane list stays as the bootstrap filled it (empty here): address
 * lists hold no ports, so its entries are not modelled.
 */
export function expectedRouteros(config: string): LoadedRuleset {
  return readRouteros({ script: config });
}

/** The model's name of a chain of a family's table. */
export function routerosChainName(chain: string, family: AddressFamily = 4): string {
  return family === 6 ? `ipv6/${chain}` : chain;
}

const HOOKS: readonly Hook[] = ["input", "output", "forward"];

export function parseRouterosScript(
  script: string,
  variables: Record<string, string> = { slot: "a", old: "b", slot6: "a", old6: "b" },
): LoadedRuleset {
  const statements = script.split("\n").map((text, i) => ({ text: text.trim(), line: i + 1 }));
  return readStatements(statements, variables, false);
}

/**
 * A router's `/export` (or any script of `add` commands under `/ip firewall ...`
 * menu lines, `\`-continued lines joined), lenient: a rule it cannot read is kept
 * marked `unsupported`, and the rules of `/ip firewall nat`, `mangle` and `raw`
 * as chains marked `other`, for core/import to report. Lines carry `source.line`.
 */
export function readRouterosExport(
  script: string,
  variables: Record<string, string> = { slot: "a", old: "b", slot6: "a", old6: "b" },
): LoadedRuleset {
  const statements: { text: string; line: number }[] = [];
  let menu = "";
  const lines = script.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let text = lines[i].trim();
    while (text.endsWith("\\") && i + 1 < lines.length) text = `${text.slice(0, -1)}${lines[++i].trim()}`;
    if (!text || text.startsWith("#")) continue;
    const menuLine = /^(\/[\w\- /]+?)(?:\s+(add|set|remove)\b\s*(.*))?$/.exec(text);
    if (text.startsWith("/") && menuLine) {
      menu = menuLine[1].trim();
      if (menuLine[2]) statements.push({ text: `${menu} ${menuLine[2]} ${menuLine[3] ?? ""}`.trim(), line });
      continue;
    }
    statements.push({ text: `${menu} ${text}`, line });
  }
  return readStatements(statements, variables, true);
}

function readStatements(
  statements: readonly { text: string; line: number }[],
  variables: Record<string, string>,
  lenient: boolean,
): LoadedRuleset {
  const lists = new Map<string, { ranges: AddressRange[]; ranges6: AddressRange6[] }>();
  const ruleset: LoadedRuleset = { chains: new Map(), sets: new Map() };
  for (const family of [4, 6] as const) {
    for (const hook of HOOKS) ruleset.chains.set(routerosChainName(hook, family), { rules: [], hook, policy: "accept" });
  }
  for (const { text: line, line: number } of statements) {
    const menu = /^\/(ip|ipv6) firewall (address-list|filter|nat|mangle|raw) add (.*)$/.exec(line);
    if (!menu) continue;
    const family: AddressFamily = menu[1] === "ipv6" ? 6 : 4;
    if (menu[2] !== "address-list" && menu[2] !== "filter") {
      if (!lenient) continue;
      // NAT, mangle and raw rules: reported, never evaluated.
      const chainName = routerosChainName(`${menu[2]}:`, family);
      if (!ruleset.chains.has(chainName)) ruleset.chains.set(chainName, { rules: [], other: `/${menu[1]} firewall ${menu[2]}` });
      ruleset.chains.get(chainName)!.rules.push({
        matches: [],
        action: { kind: "continue" },
        unsupported: `/${menu[1]} firewall ${menu[2]}`,
        source: { line: number, text: line },
      });
      continue;
    }
    let args: Record<string, string>;
    try {
      args = parseArgs(menu[3], variables);
    } catch (err) {
      if (!lenient) throw err;
      args = { chain: "input", unreadable: (err as Error).message };
    }
    if (menu[2] === "address-list") {
      let list = lists.get(args.list);
      if (!list) lists.set(args.list, (list = { ranges: [], ranges6: [] }));
      if (args.disabled === "yes") continue;
      if (family === 6) list.ranges6.push(addressRange6Of(args.address));
      else list.ranges.push(addressRangeOf(args.address));
      continue;
    }
    if (args.disabled === "yes") continue;
    const chainName = routerosChainName(args.chain, family);
    if (!ruleset.chains.has(chainName)) ruleset.chains.set(chainName, { rules: [] });
    const chain = ruleset.chains.get(chainName)!;
    if (!lenient) {
      chain.rules.push({ matches: ruleMatches(args, family), action: ruleAction(args, family, false), comment: args.comment });
      continue;
    }
    const source = { line: number, text: line };
    try {
      if (args.unreadable) throw new Error(args.unreadable);
      chain.rules.push({ matches: ruleMatches(args, family), action: ruleAction(args, family, true), comment: args.comment, source });
    } catch (err) {
      chain.rules.push({ matches: [], action: { kind: "continue" }, unsupported: (err as Error).message, source });
    }
  }
  for (const [name, list] of lists) ruleset.sets.set(name, { ranges: mergeRanges(list.ranges), ranges6: mergeRanges6(list.ranges6) });
  // A list nothing was added to is empty on the router (e.g. the control-plane list before bootstrap).
  for (const chain of ruleset.chains.values()) {
    for (const rule of chain.rules) {
      for (const m of rule.matches) {
        if (m.kind === "address" && m.set && !ruleset.sets.has(m.set)) ruleset.sets.set(m.set, { ranges: [], ranges6: [] });
      }
    }
  }
  return ruleset;
}

/** "2001:db8::/32", "2001:db8::1" or a range as the addresses it names. */
const addressRange6Of = listedAddressRange6;

const IGNORED = new Set(["chain", "action", "jump-target", "comment", "log", "log-prefix", "place-before", "disabled", "reject-with"]);

function ruleMatches(args: Record<string, string>, family: AddressFamily): Match[] {
  // Only packets of the table's family meet its rules.
  const matches: Match[] = [{ kind: family === 6 ? "ipv6" : "ipv4" }];
  const v6 = family === 6 ? ({ family: 6 } as const) : {};
  for (const [key, value] of Object.entries(args)) {
    if (IGNORED.has(key)) continue;
    const negate = value.startsWith("!");
    const v = negate ? value.slice(1) : value;
    const push = (m: Match) => matches.push(negate ? { ...m, negate } : m);
    switch (key) {
      case "protocol":
        push({ kind: "protocol", protocol: protocolNumber(v), ...v6 });
        break;
      case "src-address":
      case "dst-address": {
        const field = key === "src-address" ? "src" : "dst";
        push(
          family === 6
            ? { kind: "address", field, family: 6, ranges6: [addressRange6Of(v)] }
            : { kind: "address", field, ranges: [addressRangeOf(v)] },
        );
        break;
      }
      case "src-address-list":
      case "dst-address-list":
        push({ kind: "address", field: key === "src-address-list" ? "src" : "dst", set: v, ...v6 });
        break;
      case "dst-port":
        push({ kind: "dport", ports: v.split(",").map(portRange) });
        break;
      case "icmp-options": {
        // In /ipv6 the type and code are ICMPv6's.
        const [type, code] = v.split(":");
        const codes = code === undefined ? undefined : portRange(code);
        push({ kind: "icmp", type: Number(type), ...(codes ? { code: [codes.from, codes.to] as const } : {}), ...v6 });
        break;
      }
      case "connection-state":
        push({ kind: "state", states: v.split(",") as ConnectionState[] });
        break;
      case "in-interface":
      case "out-interface":
        if (v !== "lo") throw new Error(`unsupported interface match ${key}=${value}`);
        push({ kind: "loopback" });
        break;
      default:
        throw new Error(`unsupported RouterOS filter property ${key}`);
    }
  }
  return matches;
}

function ruleAction(args: Record<string, string>, family: AddressFamily, lenient: boolean): Action {
  // fasttrack-connection passes the connections it matches (established ones, in every default configuration).
  if (lenient && args.action === "fasttrack-connection") return { kind: "accept" };
  switch (args.action ?? "accept") {
    case "accept":
      return { kind: "accept" };
    case "drop":
    case "reject":
    case "tarpit":
      return { kind: "drop" };
    case "return":
      return { kind: "return" };
    case "jump":
      return { kind: "jump", target: routerosChainName(args["jump-target"], family) };
    case "passthrough":
    case "log":
      return { kind: "continue" };
    default:
      throw new Error(`unsupported RouterOS action ${args.action}`);
  }
}

/** `key=value` pairs; values may be bare, "quoted", (expressions . with $variables) or [commands] (kept as text). */
export function parseArgs(text: string, variables: Record<string, string>): Record<string, string> {
  const args: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    while (text[i] === " ") i++;
    if (i >= text.length) break;
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`expected key=value at "${text.slice(i)}"`);
    const key = text.slice(i, eq);
    i = eq + 1;
    const start = i;
    if (text[i] === '"') {
      i = skipString(text, i);
      args[key] = unquote(text.slice(start, i));
    } else if (text[i] === "(" || text[i] === "[") {
      const open = text[i];
      const close = open === "(" ? ")" : "]";
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === '"') i = skipString(text, i) - 1;
        else if (text[i] === open) depth++;
        else if (text[i] === close && --depth === 0) break;
      }
      i++;
      const body = text.slice(start + 1, i - 1);
      args[key] = open === "(" ? evaluateConcat(body, variables) : body;
    } else {
      while (i < text.length && text[i] !== " ") i++;
      args[key] = text.slice(start, i);
    }
  }
  return args;
}

function skipString(text: string, i: number): number {
  for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
  return i + 1;
}

function unquote(s: string): string {
  return s.slice(1, -1).replace(/\\(.)/g, "$1");
}

/** `"a" . $slot . "b"`: string concatenation of literals and variables. */
function evaluateConcat(body: string, variables: Record<string, string>): string {
  return body
    .split(/\s+\.\s+/)
    .map((part) => {
      const p = part.trim();
      if (p.startsWith('"')) return unquote(p);
      if (p.startsWith("$")) {
        const value = variables[p.slice(1)];
        if (value === undefined) throw new Error(`unknown variable ${p}`);
        return value;
      }
      throw new Error(`unsupported expression part ${p}`);
    })
    .join("");
}

function portRange(text: string): PortRange {
  const [from, to] = text.split("-").map(Number);
  return { from, to: to ?? from };
}
