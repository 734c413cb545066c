/**
 * Reads a RouterOS script of `/ip firewall address-list add` and
 * `/ip firewall filter add` commands into the loaded-ruleset model, as a router
 * with an empty configuration would hold it after `/import`. Removal commands
 * and control flow are skipped; `$variables` take the values given (the
 * renderer's slot variable defaults to "a"). No router runs here: this is a
 * model of RouterOS filter semantics (first match, jump/return, built-in chains
 * accept at the end), checked against the oracle.
 */
import { mergeRanges, type AddressRange, type PortRange } from "../../model";
import type { Hook } from "../../policy";
import type { Action, LoadedRuleset, Match } from "../../analyze/loaded";
import { addressRangeOf, type ConnectionState } from "../../analyze/packet";
import { protocolNumber } from "../protocol-names";

/** A script as a router imports it: `slot` is the slot it builds (the one no jump pointed at), "a" on a fresh router. */
export interface RouterosListing {
  script: string;
  slot?: "a" | "b";
}

/** What the router holds once the script is imported. */
export function readRouteros({ script, slot = "a" }: RouterosListing): LoadedRuleset {
  return parseRouterosScript(script, { slot, old: slot === "a" ? "b" : "a" });
}

/**
 * What importing `config` leaves on a router that held nothing of ours. The
 * control-plane list stays as the bootstrap filled it (empty here): address
 * lists hold no ports, so its entries are not modelled.
 */
export function expectedRouteros(config: string): LoadedRuleset {
  return readRouteros({ script: config });
}

export function parseRouterosScript(script: string, variables: Record<string, string> = { slot: "a", old: "b" }): LoadedRuleset {
  const lists = new Map<string, AddressRange[]>();
  const ruleset: LoadedRuleset = { chains: new Map(), sets: new Map() };
  for (const hook of ["input", "output", "forward"] as Hook[]) ruleset.chains.set(hook, { rules: [], hook, policy: "accept" });
  for (const raw of script.split("\n")) {
    const line = raw.trim();
    const menu = /^\/ip firewall (address-list|filter) add (.*)$/.exec(line);
    if (!menu) continue;
    const args = parseArgs(menu[2], variables);
    if (menu[1] === "address-list") {
      const list = lists.get(args.list) ?? [];
      list.push(addressRangeOf(args.address));
      lists.set(args.list, list);
      continue;
    }
    if (args.disabled === "yes") continue;
    const chainName = args.chain;
    if (!ruleset.chains.has(chainName)) ruleset.chains.set(chainName, { rules: [] });
    ruleset.chains.get(chainName)!.rules.push({ matches: ruleMatches(args), action: ruleAction(args), comment: args.comment });
  }
  for (const [name, ranges] of lists) ruleset.sets.set(name, { ranges: mergeRanges(ranges) });
  // A list nothing was added to is empty on the router (e.g. the control-plane list before bootstrap).
  for (const chain of ruleset.chains.values()) {
    for (const rule of chain.rules) {
      for (const m of rule.matches) if (m.kind === "address" && m.set && !ruleset.sets.has(m.set)) ruleset.sets.set(m.set, { ranges: [] });
    }
  }
  return ruleset;
}

const IGNORED = new Set(["chain", "action", "jump-target", "comment", "log", "log-prefix", "place-before", "disabled"]);

function ruleMatches(args: Record<string, string>): Match[] {
  const matches: Match[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (IGNORED.has(key)) continue;
    const negate = value.startsWith("!");
    const v = negate ? value.slice(1) : value;
    const push = (m: Match) => matches.push(negate ? { ...m, negate } : m);
    switch (key) {
      case "protocol":
        push({ kind: "protocol", protocol: protocolNumber(v) });
        break;
      case "src-address":
      case "dst-address":
        push({ kind: "address", field: key === "src-address" ? "src" : "dst", ranges: [addressRangeOf(v)] });
        break;
      case "src-address-list":
      case "dst-address-list":
        push({ kind: "address", field: key === "src-address-list" ? "src" : "dst", set: v });
        break;
      case "dst-port":
        push({ kind: "dport", ports: v.split(",").map(portRange) });
        break;
      case "icmp-options": {
        const [type, code] = v.split(":");
        const codes = code === undefined ? undefined : portRange(code);
        push({ kind: "icmp", type: Number(type), ...(codes ? { code: [codes.from, codes.to] as const } : {}) });
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

function ruleAction(args: Record<string, string>): Action {
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
      return { kind: "jump", target: args["jump-target"] };
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
