/**
 * A loaded ruleset (what the platform readers read: core/analyze/loaded.ts)
 * as policy rules. Per address family and per hook (input -> inbound, output
 * -> outbound), the filter base chain is walked in order; jumps are inlined
 * (the jump's matches ANDed onto the target's rules; a goto's fall-through
 * takes the base chain's policy), and the chain's policy becomes a last
 * catch-all rule. What the model always does anyway is dropped silently:
 * accepting loopback, established/related and the essential ICMPv6 messages,
 * dropping invalid, the control-plane exception. Everything else a rule holds
 * either becomes a rule field or the rule is reported (report.ts): a rule is
 * never dropped without a line saying so.
 *
 * Known limits (documented in docs/import.md): a drop before the
 * established/related accept is not kept apart from it (the model accepts
 * established traffic first); a second filter base chain on the same hook is
 * reported, not merged; counters and log prefixes are dropped.
 */
import {
  mergeRanges,
  mergeRanges6,
  mergePortRanges,
  PROTOCOL,
  type AddressFamily,
  type AddressRange,
  type AddressRange6,
  type Direction,
  type PortRange,
} from "../model";
import { ESSENTIAL_ICMPV6, type Hook } from "../policy";
import type { LoadedChain, LoadedRule, LoadedRuleset, Match } from "../analyze/loaded";
import type { ConnectionState } from "../analyze/packet";
import { complement, complement6, intersect, intersect6, ALL4, ALL6 } from "./ranges";
import { DocumentBuilder, type ImportedRule, type Peer } from "./document";
import { isReject, reasonFor, type Omission } from "./report";

export interface LiftOptions {
  /** The sets the model always handles itself (the control-plane lists): rules naming them are dropped silently. */
  implicitSets?: ReadonlySet<string>;
  /** How a set key reads as a prefix-list name ("inet filter web" -> "web"). */
  setName?: (key: string) => string;
}

type Source = Omission["source"];
/** One rule of a base chain after inlining: the ANDed matches and the verdict. */
interface Flat {
  matches: Match[];
  action: "accept" | "drop";
  log: boolean;
  comment?: string;
  source: Source;
}

const HOOK_DIRECTION: Partial<Record<Hook, Direction>> = { input: "inbound", output: "outbound" };
const MAX_DEPTH = 16;
const ALL_STATES: readonly ConnectionState[] = ["new", "established", "related", "invalid", "untracked"] as ConnectionState[];

export function liftRuleset(ruleset: LoadedRuleset, builder: DocumentBuilder, options: LiftOptions = {}): void {
  const reported = new Set<string>();
  const omit = (source: Source, reason: string) => {
    const key = `${source.line ?? ""}:${source.handle ?? ""}:${source.text ?? ""}:${reason}`;
    if (reported.has(key)) return;
    reported.add(key);
    builder.omissions.push({ source, reason });
  };
  const sourceOf = (rule: LoadedRule): Source => rule.source ?? { text: rule.comment };

  // Chains the model has no place for: every rule in them is reported.
  for (const [name, chain] of ruleset.chains) {
    if (chain.other || chain.hook === "forward") {
      const what = chain.other ?? "forward chain (router mode is not imported)";
      // Rules without a source are the reader's own (iptables' other-family gate), not input rules.
      for (const rule of chain.rules) if (rule.source) omit(rule.source, reasonFor(rule.source.text, `${what} (chain ${name})`));
    }
  }

  const setsByFamily = new Map<string, string>();
  const listOf = (key: string, family: AddressFamily): string | undefined => {
    const set = ruleset.sets.get(key);
    if (!set || set.pairs) return undefined;
    const mine = family === 4 ? (set.ranges ?? []) : (set.ranges6 ?? []);
    const other = family === 4 ? (set.ranges6 ?? []) : (set.ranges ?? []);
    const cacheKey = `${family} ${key}`;
    let id = setsByFamily.get(cacheKey);
    if (!id) {
      const bare = options.setName ? options.setName(key) : key;
      const name = other.length ? `${bare} (IPv${family})` : bare;
      id = family === 4 ? builder.prefixList(name, mine as AddressRange[], []) : builder.prefixList(name, [], mine as AddressRange6[]);
      setsByFamily.set(cacheKey, id);
    }
    return id;
  };

  for (const family of [4, 6] as const) {
    for (const hook of ["input", "output"] as const) {
      const direction = HOOK_DIRECTION[hook]!;
      const bases = [...ruleset.chains.entries()]
        .filter(([, c]) => c.hook === hook && !c.other && (!c.families || c.families.includes(family)))
        .sort((a, b) => (a[1].priority ?? 0) - (b[1].priority ?? 0));
      const flats: Flat[][] = bases.map(([, chain]) => flatten(ruleset, chain, [], family, 0, omit, sourceOf, chain.policy ?? "accept"));
      // A base chain that accepts this family's packets first thing (iptables' other-family gate) leaves them to the next.
      const deciding = flats
        .map((f, i) => ({ f, name: bases[i][0] }))
        .filter(({ f }) => !(f[0]?.matches.length === 0 && f[0].action === "accept"));
      if (deciding.length === 0) {
        emit({
          matches: [],
          action: "accept",
          log: false,
          source: { where: `${hook} hook` },
          comment: `no ${hook} filter: all IPv${family} allowed`,
        });
        continue;
      }
      for (const extra of deciding.slice(1))
        for (const flat of extra.f)
          omit(flat.source, `not imported: a second filter base chain on the ${hook} hook (${extra.name}); only ${deciding[0].name} is`);
      for (const flat of deciding[0].f) emit(flat);

      function emit(flat: Flat): void {
        for (const rule of toRules(flat, family, direction, omit, listOf, options.implicitSets ?? new Set())) builder.add(rule);
      }
    }
  }
}

/** The rules of `chain` for packets of `family`, with `context` ANDed on, jumps inlined; the policy last. */
function flatten(
  ruleset: LoadedRuleset,
  chain: LoadedChain,
  context: Match[],
  family: AddressFamily,
  depth: number,
  omit: (source: Source, reason: string) => void,
  sourceOf: (rule: LoadedRule) => Source,
  policy: "accept" | "drop" | undefined,
): Flat[] {
  const out: Flat[] = [];
  // A log-only rule right before a verdict rule of the same matches (iptables' -j LOG twin) logs that rule.
  let pendingLog: { key: string; source: Source } | undefined;
  const flushLog = () => {
    if (pendingLog) omit(pendingLog.source, "not imported: a log statement without a verdict");
    pendingLog = undefined;
  };
  for (const rule of chain.rules) {
    const source = sourceOf(rule);
    const logged = pendingLog !== undefined && pendingLog.key === JSON.stringify(rule.matches) && rule.action.kind !== "continue";
    if (logged) pendingLog = undefined;
    else if (!(rule.action.kind === "continue" && rule.log)) flushLog();
    if (rule.unsupported !== undefined) {
      omit(source, reasonFor(source.text, rule.unsupported));
      continue;
    }
    const own = forFamily(rule.matches, family);
    if (own === undefined) continue; // a rule of the other family
    const matches = [...context, ...own];
    const a = rule.action;
    if (a.kind === "accept" || a.kind === "drop") {
      if (isReject(source.text)) omit(source, "imported as drop: the reject reply (ICMP or TCP reset) is not kept");
      out.push({ matches, action: a.kind, log: Boolean(rule.log) || logged, comment: rule.comment, source });
    } else if (a.kind === "jump" || a.kind === "goto") {
      const target = ruleset.chains.get(a.target);
      if (!target || target.hook || depth >= MAX_DEPTH) {
        omit(
          source,
          `not imported: jumps to ${target ? (target.hook ? "a base chain" : "chains nested too deep") : `"${a.target}", which is no chain of this ruleset`}`,
        );
        continue;
      }
      out.push(...flatten(ruleset, target, matches, family, depth + 1, omit, sourceOf, undefined));
      if (a.kind === "goto" && policy) out.push({ matches, action: policy, log: false, source });
    } else if (a.kind === "return") {
      if (own.length === 0) return out; // the rest of this chain is never reached
      omit(
        source,
        "not imported: a conditional return cannot be inlined (the rules after it in its chain are imported as if it were absent)",
      );
    } else if (rule.log) {
      flushLog();
      pendingLog = { key: JSON.stringify(rule.matches), source };
    }
  }
  flushLog();
  // A base chain's final drop is the model's default; its accept becomes a catch-all rule.
  if (policy && !(policy === "drop" && context.length === 0))
    out.push({ matches: [...context], action: policy, log: false, source: { where: "chain policy", text: `policy ${policy}` } });
  return out;
}

/** The matches of a rule for packets of `family`: undefined when the rule cannot match them. */
function forFamily(matches: readonly Match[], family: AddressFamily): Match[] | undefined {
  const out: Match[] = [];
  for (const m of matches) {
    if (m.kind === "ipv4" || m.kind === "ipv6") {
      const holds = (m.kind === "ipv6") === (family === 6);
      if (holds === Boolean(m.negate)) return undefined;
      continue;
    }
    const familySpecific = m.kind === "address" || m.kind === "icmp" || m.kind === "addressPort" || (m.kind === "protocol" && !m.anyFamily);
    if (familySpecific && (m.family ?? 4) !== family) {
      if (!m.negate) return undefined;
      continue; // "not an address of the other family" holds for every packet of this one
    }
    out.push(m);
  }
  return out;
}

/** The policy rules one flat rule says, or an omission; [] for what the model does anyway. */
function toRules(
  flat: Flat,
  family: AddressFamily,
  direction: Direction,
  omit: (source: Source, reason: string) => void,
  listOf: (key: string, family: AddressFamily) => string | undefined,
  implicitSets: ReadonlySet<string>,
): ImportedRule[] {
  let protocol: number | undefined;
  let ports: PortRange[] | undefined;
  let portProtocols: number[] | undefined;
  let icmpType: number | undefined;
  let icmpCode: [number, number] | undefined;
  let states: ConnectionState[] | undefined;
  let peerSet: string | undefined;
  let peer4: AddressRange[] = [...ALL4];
  let peer6: AddressRange6[] = [...ALL6];
  let peerNarrowed = false;
  const fail = (reason: string): ImportedRule[] => (omit(flat.source, `not imported: ${reason}`), []);
  const peerField = direction === "inbound" ? "src" : "dst";
  for (const m of flat.matches) {
    switch (m.kind) {
      case "loopback":
        if (m.negate) break; // the rules only ever see traffic that is not loopback
        if (flat.action === "accept") return [];
        return fail("drops loopback traffic, which secgroups always allows");
      case "state": {
        const s = m.negate ? ALL_STATES.filter((x) => !m.states.includes(x)) : m.states;
        states = states ? states.filter((x) => s.includes(x)) : [...s];
        break;
      }
      case "protocol":
        if (m.negate) return fail("a negated protocol match");
        if (protocol !== undefined && protocol !== m.protocol) return [];
        protocol = m.protocol;
        break;
      case "dport": {
        const r = m.negate ? complementPorts(m.ports) : m.ports;
        ports = ports ? intersectPorts(ports, r) : mergePortRanges(r);
        if (ports.length === 0) return [];
        if (m.protocol !== undefined) {
          if (protocol !== undefined && protocol !== m.protocol) return [];
          protocol = m.protocol;
        } else portProtocols = [PROTOCOL.TCP, PROTOCOL.UDP];
        break;
      }
      case "icmp": {
        if (m.negate) return fail("a negated ICMP match");
        const p = family === 6 ? PROTOCOL.ICMPV6 : PROTOCOL.ICMP;
        if (protocol !== undefined && protocol !== p) return [];
        protocol = p;
        if (m.type !== undefined) {
          if (icmpType !== undefined && icmpType !== m.type) return [];
          icmpType = m.type;
        }
        if (m.code) icmpCode = icmpCode ? [Math.max(icmpCode[0], m.code[0]), Math.min(icmpCode[1], m.code[1])] : [m.code[0], m.code[1]];
        if (icmpCode && icmpCode[0] > icmpCode[1]) return [];
        break;
      }
      case "addressPort":
        if (flat.action === "accept" && !m.negate) return []; // the control-plane exception
        return fail("an address-and-port set match");
      case "address": {
        if (m.field !== peerField)
          return fail(
            `matches the ${m.field === "src" ? "source" : "destination"} address of ${direction} traffic (the site's own address), which rules cannot`,
          );
        if (m.set !== undefined && implicitSets.has(m.set)) {
          if (flat.action === "accept" && !m.negate) return [];
        }
        if (m.set !== undefined) {
          if (!m.negate && !peerNarrowed && peerSet === undefined) {
            if (listOf(m.set, family) === undefined) return fail(`names set "${m.set}", which holds no addresses this model reads`);
            peerSet = m.set;
            continue;
          }
          return fail(`set "${m.set}" combined with another address match or negated`);
        }
        const r4 = m.ranges ?? [];
        const r6 = m.ranges6 ?? [];
        if (peerSet !== undefined) return fail("an address match combined with a set");
        peerNarrowed = true;
        peer4 = intersect(peer4, m.negate ? complement(r4) : mergeRanges([...r4]));
        peer6 = intersect6(peer6, m.negate ? complement6(r6) : mergeRanges6([...r6]));
        break;
      }
    }
  }
  if (states) {
    const rest = states.filter((s) => s !== "established" && s !== "related" && s !== "invalid");
    if (!states.includes("new")) {
      // Only established/related (accepted by every policy) and invalid (dropped by every policy): what the model does.
      const implied = rest.length === 0 && states.every((s) => (s === "invalid" ? flat.action === "drop" : flat.action === "accept"));
      if (implied) return [];
      return fail(`a connection-state rule (${states.join(",")}): secgroups always accepts established/related and drops invalid`);
    }
    if (flat.action === "drop" && states.some((s) => s === "established" || s === "related"))
      omit(flat.source, "imported for new connections only: secgroups accepts established/related traffic before any rule");
  }
  if (family === 6 && protocol === PROTOCOL.ICMPV6 && flat.action === "accept" && icmpType !== undefined && essential(icmpType, icmpCode))
    return [];
  if (family === 6 && protocol === PROTOCOL.ICMP) return []; // ICMP inside IPv6 packets: no such traffic
  if (family === 4 && protocol === PROTOCOL.ICMPV6) return [];

  let peer: Peer;
  if (peerSet !== undefined) peer = { kind: "list", id: listOf(peerSet, family)! };
  else {
    const r4 = family === 4 ? peer4 : [];
    const r6 = family === 6 ? peer6 : [];
    if (!r4.length && !r6.length) return [];
    peer = { kind: "addresses", ranges: r4, ranges6: r6 };
  }
  const description =
    flat.comment ??
    (flat.source.line !== undefined
      ? `imported from line ${flat.source.line}`
      : flat.source.handle !== undefined
        ? `imported from rule handle ${flat.source.handle}`
        : (flat.source.text ?? "imported"));
  const codes: (number | null)[] =
    icmpCode === undefined || (icmpCode[0] === 0 && icmpCode[1] === 255) ? [null] : range(icmpCode[0], icmpCode[1]);
  if (icmpType === undefined && codes[0] !== null) return fail("an ICMP code without a type");
  const protocols = protocol !== undefined ? [protocol] : (portProtocols ?? [0]);
  const out: ImportedRule[] = [];
  for (const p of protocols) {
    const takesPorts = p === PROTOCOL.TCP || p === PROTOCOL.UDP;
    const portList =
      takesPorts && ports && !(ports.length === 1 && ports[0].from <= 1 && ports[0].to === 65535)
        ? ports.filter((r) => r.to >= 1).map((r) => ({ from: Math.max(1, r.from), to: r.to }))
        : null;
    for (const code of codes) {
      out.push({
        direction,
        protocol: p,
        ports: portList,
        icmpType: icmpType ?? null,
        icmpCode: code,
        peer,
        action: flat.action,
        log: flat.log,
        description,
        source: flat.source,
      });
    }
  }
  return out;
}

function essential(type: number, code: [number, number] | undefined): boolean {
  const e = ESSENTIAL_ICMPV6.find((x) => x.type === type);
  if (!e) return false;
  if (!e.codes) return true;
  if (!code) return false;
  for (let c = code[0]; c <= code[1]; c++) if (!e.codes.includes(c)) return false;
  return true;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function complementPorts(ports: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  let next = 0;
  for (const r of mergePortRanges(ports)) {
    if (r.from > next) out.push({ from: next, to: r.from - 1 });
    next = r.to + 1;
  }
  if (next <= 65535) out.push({ from: next, to: 65535 });
  return out;
}

function intersectPorts(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  for (const x of a)
    for (const y of mergePortRanges(b)) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (from <= to) out.push({ from, to });
    }
  return mergePortRanges(out);
}
