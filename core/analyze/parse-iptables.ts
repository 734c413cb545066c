/** Reads `iptables-save` (filter table) and `ipset save` into the loaded-ruleset model. */
import { mergeRanges, type AddressRange, type PortRange } from "../model";
import type { Hook } from "../policy";
import type { Action, LoadedRuleset, Match } from "./loaded";
import { icmpCodeNumber, icmpTypeNumber, protocolNumber } from "./names";
import { addressRangeOf, type ConnectionState } from "./packet";

const BUILTIN_HOOK: Record<string, Hook> = { INPUT: "input", OUTPUT: "output", FORWARD: "forward" };

export function parseIptablesSave(iptablesSave: string, ipsetSave = ""): LoadedRuleset {
  const ruleset: LoadedRuleset = { chains: new Map(), sets: parseIpsetSave(ipsetSave) };
  let inFilter = false;
  for (const raw of iptablesSave.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("*")) inFilter = line === "*filter";
    if (!inFilter || line === "" || line.startsWith("#") || line === "COMMIT" || line.startsWith("*")) continue;
    if (line.startsWith(":")) {
      const [name, policy] = line.slice(1).split(/\s+/);
      ruleset.chains.set(name, {
        rules: [],
        hook: BUILTIN_HOOK[name],
        policy: policy === "DROP" ? "drop" : policy === "ACCEPT" ? "accept" : undefined,
      });
      continue;
    }
    const words = tokenize(line);
    if (words[0] !== "-A") throw new Error(`unsupported iptables-save line: ${line}`);
    const chain = ruleset.chains.get(words[1]);
    if (!chain) throw new Error(`rule in undeclared chain ${words[1]}`);
    chain.rules.push(parseRule(words.slice(2), line));
  }
  return ruleset;
}

function parseRule(words: string[], line: string) {
  const matches: Match[] = [];
  let action: Action = { kind: "continue" };
  let comment: string | undefined;
  let protocol: number | undefined;
  let negate = false;
  const push = (m: Match) => {
    matches.push(negate ? { ...m, negate } : m);
    negate = false;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const next = () => {
      if (i + 1 >= words.length) throw new Error(`${w} needs a value: ${line}`);
      return words[++i];
    };
    switch (w) {
      case "!":
        negate = true;
        break;
      case "-m":
        next(); // the option that follows names what it matches
        break;
      case "-p":
        protocol = protocolNumber(next());
        push({ kind: "protocol", protocol });
        break;
      case "-s":
      case "-d":
        push({ kind: "address", field: w === "-s" ? "src" : "dst", ranges: [addressRangeOf(next())] });
        break;
      case "-i":
      case "-o":
        if (next() !== "lo") throw new Error(`unsupported interface match: ${line}`);
        push({ kind: "loopback" });
        break;
      case "--dport":
      case "--dports":
        if (protocol === undefined) throw new Error(`port match without -p: ${line}`);
        push({ kind: "dport", protocol, ports: next().split(",").map(portRange) });
        break;
      case "--ctstate":
      case "--state":
        push({ kind: "state", states: next().toLowerCase().split(",") as ConnectionState[] });
        break;
      case "--icmp-type": {
        const [type, code] = next().split("/");
        push({
          kind: "icmp",
          type: icmpTypeNumber(type),
          ...(code !== undefined ? { code: [icmpCodeNumber(code), icmpCodeNumber(code)] as const } : {}),
        });
        break;
      }
      case "--match-set": {
        const set = next();
        const flags = next();
        if (flags === "src" || flags === "dst") push({ kind: "address", field: flags, set });
        else if (flags === "dst,dst") push({ kind: "addressPort", set });
        else throw new Error(`unsupported set flags ${flags}: ${line}`);
        break;
      }
      case "--comment":
        comment = next();
        break;
      case "-j":
      case "-g": {
        const target = next();
        if (target === "ACCEPT" || target === "DROP" || target === "RETURN")
          action = { kind: target === "ACCEPT" ? "accept" : target === "DROP" ? "drop" : "return" };
        else if (target === "LOG") action = { kind: "continue" };
        else action = { kind: w === "-j" ? "jump" : "goto", target };
        break;
      }
      case "--log-prefix":
      case "--log-level":
        next();
        break;
      default:
        throw new Error(`unsupported iptables option ${w}: ${line}`);
    }
  }
  return { matches, action, comment };
}

/** ipset save: hash:net sets as address ranges, hash:ip,port sets as address:port pairs (tcp). */
export function parseIpsetSave(text: string): LoadedRuleset["sets"] {
  const sets: LoadedRuleset["sets"] = new Map();
  const pending = new Map<string, AddressRange[]>();
  for (const raw of text.split("\n")) {
    const words = raw.trim().split(/\s+/);
    if (words[0] === "create") {
      if (words[2] === "hash:ip,port") sets.set(words[1], { pairs: new Set() });
      else pending.set(words[1], []);
    } else if (words[0] === "add") {
      const set = sets.get(words[1]);
      if (set?.pairs) {
        const [addr, port] = words[2].split(",");
        const [proto, number] = port.split(":");
        if (proto === "tcp") set.pairs.add(`${addressRangeOf(addr).first}:${Number(number)}`);
      } else pending.get(words[1])?.push(addressRangeOf(words[2]));
    }
  }
  for (const [name, ranges] of pending) sets.set(name, { ranges: mergeRanges(ranges) });
  return sets;
}

/** Splits a line into words, honouring double quotes. */
function tokenize(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]);
  return words;
}

function portRange(text: string): PortRange {
  const [from, to] = text.split(":").map(Number);
  return { from, to: to ?? from };
}
