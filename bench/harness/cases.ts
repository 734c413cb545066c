/**
 * The benchmark cases: each measures ours and its anchor in the same process
 * run, with the same warm-up and repetition policy, and returns rows of
 * figures with ratios and targets. The workloads come from the per-case
 * scripts in bench/ (their generators are reused, not copied).
 */
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compilePolicy } from "../../core/platforms";
import { normalizePolicy } from "../../core/policy";
import { lint, semanticDiff } from "../../core/analyze";
import { loadReviewInput, renderMarkdown, reviewSnapshots, sidesOf } from "../../core/review";
import { anchorRuns, pythonAnchor } from "./anchors";
import { allocCidr6Case } from "./alloc-cidr6";
import { compileDualCase } from "./compile-dual";
import { consoleCase } from "./console";
import { groupFanoutCase } from "./group-fanout";
import type { IdleReport } from "./idle-agent";
import { ratio, summarize, timeInterleaved, timeIt, timeItWithCpu, treeCpuMs } from "./stats";
import type { CaseOptions, CaseResult, Curve, Row, Summary } from "./types";

type Size = { lists: number; perList: number; rules: number };
const FULL: Size = { lists: 200, perList: 500, rules: 250 };
const SMOKE: Size = { lists: 4, perList: 5, rules: 10 };

const cidrsOf = (s: Size) => s.lists * s.perList;
const fmt = (n: number) => n.toLocaleString("en-US");

// ---------------------------------------------------------------- compile

async function compileCase(opts: CaseOptions): Promise<CaseResult> {
  const { largePolicy } = await import("../compile.bench");
  const size = opts.smoke ? SMOKE : FULL;
  const policy = largePolicy(1, size);
  const file = join(opts.workDir, "compile-policy.json");
  writeFileSync(file, JSON.stringify(policy));
  const rows: Row[] = [];
  const t = { warmup: opts.warmup, runs: opts.runs };
  opts.log(`compile: ours (${fmt(cidrsOf(size))} CIDRs)`);
  const nft = await timeIt(() => compilePolicy(policy, "nftables"), t);
  const ipt = await timeIt(() => compilePolicy(policy, "iptables"), t);
  const ros = await timeIt(() => compilePolicy(policy, "routeros"), t);
  writeFileSync(join(opts.workDir, "ours.nft"), compilePolicy(policy, "nftables"));
  const a = anchorRuns(opts);
  for (const impl of ["capirca", "aerleon"] as const) {
    opts.log(`compile: anchor ${impl}`);
    const anchor = pythonAnchor(opts, impl, file, a.runs, a.warmup, join(opts.workDir, `${impl}.nft`));
    const r = ratio(nft, anchor.summary);
    rows.push({
      metric: `compile --target nftables vs ${impl}`,
      ours: nft,
      anchor: {
        name: impl === "capirca" ? "Capirca (Debian python3-capirca), parse + render nftables" : "Aerleon (PyPI), parse + render nftables",
        ...anchor,
      },
      ratio: r,
      target: { text: ">= 20x faster and <= 150 ms", met: r !== undefined ? r <= 1 / 20 && nft.median_ms <= 150 : undefined },
    });
  }
  rows.push({
    metric: "compile --target iptables (no anchor run: see nftables)",
    ours: ipt,
    target: { text: "<= 150 ms", met: ipt.median_ms <= 150 },
  });
  rows.push({
    metric: "compile --target routeros (no anchor run: see nftables)",
    ours: ros,
    target: { text: "<= 150 ms", met: ros.median_ms <= 150 },
  });
  return {
    name: "compile",
    title: "Compile",
    workload: `${size.rules} rules in 2 groups, ${size.lists} prefix lists of ${size.perList} CIDRs (${fmt(cidrsOf(size))} CIDRs), bench/compile.bench.ts largePolicy(1)`,
    rows,
    notes: [
      "Ours: compilePolicy(document) in process, from the in-memory API-shaped document (validation, normalization, rendering). Anchors: Naming(definitions) + ParsePolicy(text, optimize=True) + Nftables(policy) rendered to text, in one Python process, from the files bench/anchors/capirca_nftables.py generates (prefix lists as network definitions, one term per rule in evaluation order, input/output filters); generating those files is not timed.",
      "Capirca 2.0.6 (Debian) renders no destination ports in its nftables output (a limitation of that version's generator): its output is smaller than the policy asks; Aerleon renders them.",
    ],
  };
}

// ---------------------------------------------------------------- scaling curves

/**
 * largePolicy at any size within the API's limits (500 CIDRs per list, orders
 * up to 250): past 200 lists the groups are repeated, each copy pointing its
 * rules at the next 200 lists, so that every list is referenced.
 */
function scaledPolicy(largePolicy: typeof import("../compile.bench").largePolicy, size: Size) {
  const doc = largePolicy(1, size);
  const lists = doc.prefix_lists!;
  const groups = doc.security_groups as unknown as (typeof doc.security_groups)[number][];
  const baseGroups = [...groups];
  for (let k = 1; k * 200 < lists.length; k++) {
    for (const g of baseGroups) {
      groups.push({
        ...g,
        id: `${g.id}_${k}`,
        name: `${g.name} ${k}`,
        rules: g.rules.map((r) => {
          const i = lists.findIndex((l) => l.id === r.address);
          const id = (r as { id?: string }).id;
          return {
            ...r,
            ...(id ? { id: `${id.slice(0, -4)}${String(k).padStart(4, "0")}` } : {}),
            address: i >= 0 && i + 200 * k < lists.length ? lists[i + 200 * k].id : r.address,
          };
        }),
      });
    }
  }
  return doc;
}

async function curveCidrs(opts: CaseOptions): Promise<CaseResult> {
  const { largePolicy } = await import("../compile.bench");
  const sizes: Size[] = opts.smoke
    ? [
        { lists: 2, perList: 5, rules: 4 },
        { lists: 2, perList: 10, rules: 4 },
      ]
    : [1_000, 10_000, 100_000, 1_000_000].map((n) => {
        const lists = Math.max(200, n / 500);
        return { lists, perList: n / lists, rules: 250 };
      });
  return compileCurve(
    opts,
    "cidrs",
    "Compile time against CIDRs (250 rules per 200 prefix lists of <= 500 CIDRs)",
    "CIDRs",
    sizes,
    cidrsOf,
    (s) => scaledPolicy(largePolicy, s),
    100_000,
  );
}

async function curveRules(opts: CaseOptions): Promise<CaseResult> {
  const { largePolicy } = await import("../compile.bench");
  // 5,000 CIDRs in every point, spread over min(rules, 200) lists (at most 500 each), so that mostly the rule count changes.
  const sizes: Size[] = opts.smoke
    ? [
        { lists: 2, perList: 5, rules: 2 },
        { lists: 4, perList: 3, rules: 4 },
      ]
    : [10, 50, 100, 250].map((rules) => ({ rules, lists: Math.min(rules, 200), perList: Math.round(5_000 / Math.min(rules, 200)) }));
  return compileCurve(
    opts,
    "rules",
    "Compile time against rules (5,000 CIDRs)",
    "rules",
    sizes,
    (s) => s.rules,
    (s) => largePolicy(1, s),
    400_000,
  );
}

async function compileCurve(
  opts: CaseOptions,
  id: string,
  title: string,
  xLabel: string,
  sizes: Size[],
  xOf: (s: Size) => number,
  make: (s: Size) => ReturnType<typeof import("../compile.bench").largePolicy>,
  anchorBudgetMs: number,
): Promise<CaseResult> {
  const curve: Curve = { id: `curve-${id}`, title, x_label: xLabel, y_label: "median ms (log)", log_x: true, points: [] };
  const rows: Row[] = [];
  const last: Record<string, number | null> = { capirca: 0, aerleon: 0 };
  const skippedAnchors: string[] = [];
  for (const size of sizes) {
    const policy = make(size);
    const x = xOf(size);
    opts.log(`curve-${id}: ${xLabel}=${fmt(x)}`);
    const ours = await timeIt(() => compilePolicy(policy, "nftables"), { warmup: Math.min(opts.warmup, 1), runs: Math.min(opts.runs, 3) });
    const file = join(opts.workDir, `curve-${id}-${x}.json`);
    writeFileSync(file, JSON.stringify(policy));
    const anchors: Record<string, number | null> = {};
    for (const impl of ["capirca", "aerleon"] as const) {
      // Skip an anchor point whose predecessor, scaled linearly, would exceed the budget.
      const prev = last[impl];
      const prevX = curve.points.length ? curve.points[curve.points.length - 1].x : 0;
      if (prev === null || (prev > 0 && prevX > 0 && (prev * x) / prevX > anchorBudgetMs)) {
        anchors[impl] = null;
        last[impl] = null;
        skippedAnchors.push(`${impl} at ${fmt(x)} ${xLabel}`);
        continue;
      }
      const r = pythonAnchor(opts, impl, file, 1, 0);
      anchors[impl] = r.summary?.median_ms ?? null;
      last[impl] = r.summary?.median_ms ?? null;
      rows.push({ metric: `nftables, ${fmt(x)} ${xLabel} vs ${impl}`, ours, anchor: { name: impl, ...r }, ratio: ratio(ours, r.summary) });
    }
    curve.points.push({ x, ours_ms: ours.median_ms, anchors });
  }
  if (skippedAnchors.length)
    curve.note = `anchor not run (its previous point scaled linearly exceeds ${anchorBudgetMs / 1000} s): ${skippedAnchors.join(", ")}`;
  return {
    name: `curve-${id}`,
    title,
    workload: sizes.map((s) => `${s.rules} rules / ${s.lists} lists x ${s.perList}`).join("; "),
    rows,
    curves: [curve],
    notes: [
      "Ours: median of up to 3 runs after a warm-up; anchors: one run per point (no warm-up) to keep the curve affordable.",
      ...(curve.note ? [curve.note] : []),
    ],
  };
}

// ---------------------------------------------------------------- network namespace helpers

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function withNetns<T>(name: string, fn: (ns: string) => Promise<T>): Promise<T> {
  execFileSync("ip", ["netns", "add", name]);
  return fn(name).finally(() => {
    try {
      execFileSync("ip", ["netns", "del", name]);
    } catch {
      /* already gone */
    }
  });
}

function inNs(ns: string, cmd: string, args: string[], input?: string): void {
  const r = spawnSync("ip", ["netns", "exec", ns, cmd, ...args], { input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}: ${(r.stderr || "").slice(0, 300)}`);
}

// ---------------------------------------------------------------- agent apply + verify

/** The judged rows of a platform: its full apply (<= 1.5x raw) and its one-prefix delta (<= 50 ms, >= 10x faster than raw). */
function applyRows(anchor: { name: string; summary: Summary }, [full, delta]: [string, Summary][]): Row[] {
  const r = ratio(full[1], anchor.summary);
  const rd = ratio(delta[1], anchor.summary);
  return [
    { metric: full[0], ours: full[1], anchor, ratio: r, target: { text: "<= 1.5x raw", met: r !== undefined ? r <= 1.5 : undefined } },
    {
      metric: delta[0],
      ours: delta[1],
      anchor,
      ratio: rd,
      target: { text: "<= 50 ms and >= 10x faster than raw", met: rd !== undefined ? rd <= 0.1 && delta[1].median_ms <= 50 : undefined },
    },
  ];
}

/** Idle: the agent's periodic cheap check every 10 s over 60 s; CPU of this process and its tools, as a row of `platform`. */
/**
 * The agent at rest on the case's site: idle-agent.ts in the namespace (the enforcer alone, made as the agent makes it,
 * its tools run as on a host), its cheap check every 10 s for 60 s after 30 s of quiet (V8 shrinks the heap in a few
 * full collections over the seconds after activity ends: with 5 s of quiet they fell in the window).
 */
async function idleCpuRow(
  platform: string,
  what: string,
  site: { ns: string; config: string; controlPlane: unknown; dir: string; nftElements: string },
  opts: CaseOptions,
): Promise<Row> {
  opts.log(`agent-apply: ${platform} idle CPU (60 s, after 30 s of quiet)`);
  const configFile = join(site.dir, `idle-${platform}.conf`);
  writeFileSync(configFile, site.config);
  const script = join(__dirname, "idle-agent.js");
  const args = ["netns", "exec", site.ns, process.execPath, script, platform, configFile, JSON.stringify(site.controlPlane), site.dir];
  const out = await new Promise<string>((resolve, reject) =>
    execFile("ip", [...args, site.nftElements], { encoding: "utf8" }, (err, stdout, stderr) =>
      err ? reject(new Error(`idle agent failed: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
  const report = JSON.parse(out.trim().split("\n").pop()!) as IdleReport;
  return {
    metric: `${platform}: idle CPU over 60 s, % of one core (${what})`,
    ours: summarize([report.percent]),
    target: { text: "<= 1% of a core", met: report.percent <= 1 },
    note: `the figure is a percentage, not ms; ${report.checks} checks; of it the agent process itself ${report.ownPercent.toFixed(2)}%, the rest its tools and helper (bench/harness/idle-agent.ts, run inside the namespace)`,
  };
}

async function agentApplyCase(opts: CaseOptions): Promise<CaseResult> {
  const base: CaseResult = { name: "agent-apply", title: "Agent apply + verify", workload: "", rows: [], notes: [] };
  if (!isRoot()) return { ...base, skipped: "needs root (network namespaces, nft, iptables)" };
  const { largePolicy, onePrefixChanged } = await import("../agent-apply.bench");
  const { NftablesEnforcer, nftablesFile } = await import("../../core/platforms/nftables");
  const { IptablesEnforcer, controlPlaneIpset, splitIptablesConfig } = await import("../../core/platforms/iptables");
  const { mustRun, runCommand, toolHostRunner } = await import("../../core/platforms/runner");
  type Runner = import("../../core/platforms/runner").Runner;
  const doc = largePolicy() as never as Parameters<typeof compilePolicy>[0];
  if (opts.smoke) {
    const d = doc as unknown as { prefix_lists: { prefixes: unknown[] }[]; security_groups: { rules: unknown[] }[] };
    d.prefix_lists = d.prefix_lists.slice(0, 4).map((l) => ({ ...l, prefixes: l.prefixes.slice(0, 5) }));
    d.security_groups[0].rules = d.security_groups[0].rules
      .slice(0, 4)
      .map((r, i) => ({ ...(r as object), address: (d.prefix_lists[i % 4] as unknown as { id: string }).id }));
  }
  const cidrs = (doc as unknown as { prefix_lists: { prefixes: unknown[] }[] }).prefix_lists.reduce((n, l) => n + l.prefixes.length, 0);
  const rulesN = (doc as unknown as { security_groups: { rules: unknown[] }[] }).security_groups[0].rules.length;
  base.workload = `${fmt(cidrs)} CIDRs in prefix lists, ${rulesN} rules (bench/agent-apply.bench.ts largePolicy), in a network namespace created and deleted by the harness`;
  const CP = [{ address: "10.0.0.1", port: 8787 }];
  const t = { warmup: opts.warmup, runs: opts.runs };
  const nftConfig = compilePolicy(doc, "nftables");
  const iptConfig = compilePolicy(doc, "iptables");
  const dir = join(opts.workDir, "agent");
  mkdirSync(dir, { recursive: true });
  const nftFile = join(dir, "raw.nft");
  // Byte for byte the file the agent loads (its control-plane elements included).
  writeFileSync(nftFile, nftablesFile(nftConfig, CP));
  // The same site after a one-prefix change of one list: what a threat feed does many times a day.
  const changed = onePrefixChanged(doc);
  const nftConfig2 = compilePolicy(changed, "nftables");
  const iptConfig2 = compilePolicy(changed, "iptables");
  const nftFile2 = join(dir, "raw-changed.nft");
  writeFileSync(nftFile2, nftablesFile(nftConfig2, CP));
  const measures = (platform: string) => opts.platform === undefined || opts.platform === platform;
  // As the agent's package installs it: secgroups-nft-elements, for the fast read-back of nftables interval sets and
  // the ruleset generation of iptables on nf_tables.
  const elementsDump = execFileSync("bash", [join(opts.repo, "scripts/build-nft-elements.sh")], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  // The agent at rest on the site, in its last revision (not in a smoke run).
  const idleRow = async (platform: string, what: string, ns: string, config: string) => {
    if (!opts.smoke)
      base.rows.push(await idleCpuRow(platform, what, { ns, config, controlPlane: CP, dir, nftElements: elementsDump }, opts));
  };
  if (measures("nftables"))
    await withNetns(`sg-bench-nft-${process.pid}`, async (ns) => {
      const run: Runner = (cmd, args, stdin, options) => runCommand("ip", ["netns", "exec", ns, cmd, ...args], stdin, options);
      const spawnInNs = (cmd: string, args: string[]) =>
        spawn("ip", ["netns", "exec", ns, cmd, ...args], { stdio: ["pipe", "pipe", "pipe"] });
      const enforcer = new NftablesEnforcer({ stateDir: dir, run, spawn: spawnInNs, elementsDump });
      opts.log("agent-apply: nftables");
      // Raw anchor: a full `nft -f` of the new file, alternating between the two revisions so each run changes the table;
      // timed in turn with the agent's full apply. The agent's change watch runs for its applies (as in `secgroups
      // agent`: it is what lets a delta skip the full read-back) and is off for the raw loads, which its `nft monitor`,
      // listening to 100,000 element events, would slow (the agent stops it for a full load of its own).
      let flip = false;
      const [raw, apply] = await timeInterleaved(
        { before: () => enforcer.unwatch(), run: () => inNs(ns, "nft", ["-f", (flip = !flip) ? nftFile2 : nftFile]) },
        { before: () => enforcer.watch(() => undefined), run: () => enforcer.apply(nftConfig, CP) },
        t,
      );
      enforcer.watch(() => undefined);
      // The watch comes up in the background (nft reads the whole ruleset first); the agent's next check then proves the table.
      while (!enforcer.proven) {
        await enforcer.quickCheck(nftConfig, CP);
        await new Promise((r) => setTimeout(r, 500));
      }
      // Delta: alternate between the revisions, each applied with its predecessor.
      let at = nftConfig;
      const delta = await timeItWithCpu(async () => {
        const next = at === nftConfig ? nftConfig2 : nftConfig;
        const outcome = await enforcer.apply(next, CP, { config: at, controlPlane: CP });
        if (outcome.mode !== "delta") throw new Error(`expected a delta, got a full load: ${outcome.reason}`);
        at = next;
      }, t);
      const check = await timeIt(async () => {
        const diff = await enforcer.check(at, CP);
        if (diff.length) throw new Error(`unexpected drift: ${diff.join("; ")}`);
      }, t);
      const quick = await timeItWithCpu(async () => {
        const diff = await enforcer.quickCheck(at, CP);
        if (diff.length) throw new Error(`unexpected drift: ${diff.join("; ")}`);
      }, t);
      const anchor = { name: "raw `nft -f` of the new file (full)", summary: raw };
      base.rows.push(
        ...applyRows(anchor, [
          ["nftables: full apply (write, nft -f, read-back, semantic compare)", apply],
          ["nftables: one-prefix change, delta apply + verify (changed set only, chain handles, watch)", delta],
        ]),
      );
      base.rows.push({ metric: "nftables: full verification alone (read-back + compare)", ours: check, anchor, ratio: ratio(check, raw) });
      base.rows.push({ metric: "nftables: cheap drift check (chain handles + watch)", ours: quick, anchor, ratio: ratio(quick, raw) });
      enforcer.unwatch();
      // The idle agent runs its own watch: its `nft monitor` counts too.
      await idleRow("nftables", "cheap check every 10 s + nft monitor", ns, at);
    });
  if (measures("iptables"))
    await withNetns(`sg-bench-ipt-${process.pid}`, async (ns) => {
      // As the agent starts its tools (toolHostRunner: a small helper forks them, not this process of 200 MB and more);
      // the raw anchor too, so that neither pays for forking this process.
      const host = toolHostRunner();
      const run: Runner = (cmd, args, stdin, options) => host("ip", ["netns", "exec", ns, cmd, ...args], stdin, options);
      const enforcer = new IptablesEnforcer({ run, nftElements: elementsDump });
      const parts = splitIptablesConfig(iptConfig);
      opts.log("agent-apply: iptables");
      await enforcer.apply(iptConfig, CP); // declares our chains and jumps once: the raw anchor then reloads the same
      // The same tools and sections the agent loads, both families, of the new (changed) revision.
      const parts2 = splitIptablesConfig(iptConfig2);
      let flip = false;
      const [raw, apply] = await timeInterleaved(
        {
          run: async () => {
            const p = (flip = !flip) ? parts2 : parts;
            await mustRun(run, "ipset", ["restore"], p.ipset + controlPlaneIpset(CP));
            await mustRun(run, "iptables-restore", ["--noflush"], p.iptables);
            if (p.ip6tables) await mustRun(run, "ip6tables-restore", ["--noflush"], p.ip6tables);
          },
        },
        { run: () => enforcer.apply(iptConfig, CP) },
        t,
        treeCpuMs,
      );
      let at = iptConfig;
      const delta = await timeItWithCpu(
        async () => {
          const next = at === iptConfig ? iptConfig2 : iptConfig;
          const outcome = await enforcer.apply(next, CP, { config: at, controlPlane: CP });
          if (outcome.mode !== "delta") throw new Error(`expected a delta, got a full load: ${outcome.reason}`);
          at = next;
        },
        t,
        treeCpuMs,
      );
      const quick = await timeItWithCpu(
        async () => {
          const diff = await enforcer.quickCheck(at, CP);
          if (diff.length) throw new Error(`unexpected drift: ${diff.join("; ")}`);
        },
        t,
        treeCpuMs,
      );
      const anchor = {
        name: "raw `ipset restore` + `iptables-restore --noflush` + `ip6tables-restore --noflush` of the new text",
        summary: raw,
      };
      base.rows.push(
        ...applyRows(anchor, [
          ["iptables: full apply (ipset restore, ip(6)tables-restore --noflush, jumps, read-back, compare)", apply],
          ["iptables: one-prefix change, delta apply + verify (changed set swapped, our chains, set headers)", delta],
        ]),
      );
      base.rows.push({
        metric: "iptables: cheap drift check (our chains' lines + set headers digest)",
        ours: quick,
        anchor,
        ratio: ratio(quick, raw),
        note:
          quick.cpu_median_ms !== undefined
            ? `every 10 s: ${((quick.cpu_median_ms / 10_000) * 100).toFixed(2)}% of a core (CPU median / interval)`
            : undefined,
      });
      await idleRow("iptables", "cheap check every 10 s", ns, at);
    });
  base.notes.push(
    "Timed in one network namespace per backend; raw and agent runs load the same text into the same (already populated) tables, so both replace state rather than create it.",
  );
  return base;
}

// ---------------------------------------------------------------- incremental apply (#17)

/** The agent's log line texts (JSON lines), for a note. */
function logMessages(lines: string): string {
  return lines
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      try {
        return (JSON.parse(l) as { msg: string }).msg;
      } catch {
        return l;
      }
    })
    .join(" | ");
}

async function incrementalCase(opts: CaseOptions): Promise<CaseResult> {
  const base: CaseResult = {
    name: "incremental",
    title: "Incremental apply: one-prefix change, PUT until the site reports it applied",
    workload: "",
    rows: [],
    notes: [],
  };
  if (!isRoot()) return { ...base, skipped: "needs root (network namespaces, nft)" };
  const { runIncremental } = await import("../incremental.bench");
  const runs = opts.smoke ? 1 : Math.max(5, opts.runs);
  const r = await runIncremental({ runs, smoke: opts.smoke, log: opts.log });
  const size = opts.smoke ? "4 prefix lists of 5 CIDRs, 4 rules" : "200 prefix lists of 500 CIDRs (100,000 CIDRs), 250 rules";
  base.workload = `${size} (bench/agent-apply.bench.ts largePolicy) on one nftables site; a real core (secgroups serve, PGlite) and a real agent (secgroups agent) in one network namespace created and deleted by the case; bench/incremental.bench.ts`;
  const e2e = summarize(r.end_to_end_ms);
  const put = summarize(r.put_ms);
  const raw = summarize(r.raw_nft_ms);
  const e2eRatio = ratio(e2e, raw);
  base.rows.push({
    metric: "one-prefix change: PUT until the site reads it applied",
    ours: e2e,
    anchor: { name: "raw `nft -f` of the agent's file of the same table, same namespace, interleaved", summary: raw },
    ratio: e2eRatio,
    target: { text: "<= 0.5x raw full reload", met: e2eRatio !== undefined ? e2eRatio <= 0.5 : undefined },
  });
  base.rows.push({
    metric: "the PUT alone (validate, store, recompile, store the revision, notify)",
    ours: put,
    anchor: { name: "raw `nft -f` (as above)", summary: raw },
    ratio: ratio(put, raw),
  });
  const deltas = r.delta_bytes.filter((b): b is number => b !== null).sort((a, b) => a - b);
  const deltaText = deltas.length
    ? `median ${fmt(deltas[Math.floor(deltas.length / 2)])} B (${fmt(deltas[0])}-${fmt(deltas[deltas.length - 1])} B over ${deltas.length} changes)`
    : "not served";
  base.notes.push(
    `Bytes an agent downloads per change (config poll response body): full text ${fmt(r.full_bytes)} B; delta (GET /agent/v1/config/delta?from=N) ${deltaText}.`,
    "Each run: the anchor loads the agent's own file (its applied config and control-plane addresses from its state directory) with a raw `nft -f`, then the PUT replaces one prefix of one list; the clock stops when GET /vpc/sites/{id} (polled every 5 ms) reads the new revision as applied.",
    `How the agent applied (its last log lines): ${logMessages(r.agent_log_tail) || "(nothing logged)"}`,
    "Where the control plane's time went before #17 (the PUT timed step by step in process on PGlite: every query and the compile wrapped with timers; 5 runs, load average about 2-10 on 2 cores): the PUT took 3.4-5.2 s, of which reading the 100,000 prefixes of all 200 lists back for the recompile about 2.7-4.0 s (PGlite decoding 100,000 rows, ORDER BY list and position), validating and collapsing all 100,000 CIDRs again (normalizePolicy) 0.24-0.28 s, rendering 0.02-0.13 s, storing the 1.4 MB configuration 0.22-0.30 s (a text[] parameter), rewriting the 500 prefixes of the edited list 0.04-0.06 s; then each agent poll read the 1.4 MB back from the database (0.02-0.08 s) and downloaded all of it. The first end-to-end run of this case (load about 1.5): 5.6 s median against a raw `nft -f` of 0.67 s (8.3x), the PUT 2.5 s of it. A CPU profile of the core (node --cpu-prof on `secgroups serve`, bench/incremental.bench.ts --cpu-prof DIR) agreed: most busy time in PGlite's WebAssembly and its row decoding, then normalizePolicy and the response write of the 1.4 MB body.",
    "What #17 changed on the control plane: (1) the deployer keeps the prefix lists it compiled, keyed by a content token that every write of a list replaces (random, stored with the list, read with the content in one statement), so a PUT reads one token per list and the content of the edited list only; (2) the compiler's PrefixListMemo reuses the normalized (validated, collapsed) form of the same frozen list objects, so only the edited list is normalized again; (3) a new configuration is stored as a line delta of the site's previous one when that is under a quarter of its size (a few kB instead of 1.4 MB; chains bounded at 16, read back in one recursive statement and checked against the digest); (4) the deployer primes the agents' in-memory config cache with what it compiled, so the woken poll reads nothing from the database; (5) the agent fetches GET /agent/v1/config/delta?from=N (a line edit script, verified against the new digest, full text as fallback). Then (a6f4c4f) the policy snapshot stored with each revision names its prefix lists by content digest, each list stored once: the revision write went from about 370 ms to about 13 ms in process (PGlite, 8 one-list edits), and the snapshots of 9 revisions from 41.6 MB to 0.43 MB plus 4.8 MB of lists stored once; the PUT in this case from 0.53-0.77 s (load 22-24) to 75-170 ms (load 1.5-2.3). After (same step timing, load average 22-24): the PUT 0.53-0.77 s, of which the recompile 0.27 s (compile 0.10 s with 0.05 s normalizing the rules and the one edited list), rewriting the edited list's prefixes about 0.08 s, the rest the PUT's own reads of the list and its status.",
    "The end-to-end clock includes the bench's own load on the core (GET /vpc/sites every 5 ms while waiting) and, per run, one full and one delta config poll to count bytes after the site applied. The agent side (delta apply in one nft -f of the changed set, cheap verification) is h17-agent's, merged into this branch for the measurement.",
  );
  return base;
}

// ---------------------------------------------------------------- API

async function apiCase(opts: CaseOptions): Promise<CaseResult> {
  const api = await import("../api.bench");
  const { buildServer } = await import("../../core/api/server");
  const { signHs256 } = await import("../../core/api/jwt");
  const requests = opts.smoke ? 10 : 300;
  api.configure(requests, 8);
  const result: CaseResult = {
    name: "api",
    title: "API: create/read a 250-rule group, agent poll (304)",
    workload: `${requests} sequential requests per figure (after 20 warm-up requests) over HTTP on 127.0.0.1 with keep-alive; median per request`,
    rows: [],
    notes: [],
  };
  opts.log("api: bare Fastify");
  const bare = await api.benchBare();
  const barePoll = await bare304(api.measure);
  const asSummary = (s: { median_ms: number; p95_ms: number; requests: number }): Summary => ({
    median_ms: s.median_ms,
    min_ms: NaN,
    max_ms: s.p95_ms,
    runs: s.requests,
    samples_ms: [],
  });
  const engines: [string, () => Promise<{ databaseUrl?: string; stop: () => Promise<void> }>][] = [
    ["PGlite", async () => ({ stop: async () => undefined })],
    [
      "PostgreSQL",
      async () => {
        const { startPostgres } = await import("../../test/support/postgres");
        const pg = await startPostgres();
        return { databaseUrl: await pg.createDatabase("bench"), stop: () => pg.stop() };
      },
    ],
  ];
  for (const [engine, start] of engines) {
    opts.log(`api: ${engine}`);
    let db: { databaseUrl?: string; stop: () => Promise<void> } | undefined;
    try {
      db = await start();
      const server = await buildServer({ auth: { secret: api.SECRET }, databaseUrl: db.databaseUrl });
      try {
        const core = await api.benchCore(server);
        const addr = server.app.server.address() as { port: number };
        const base = `http://127.0.0.1:${addr.port}`;
        const now = Math.floor(Date.now() / 1000);
        const auth = `Bearer ${signHs256({ org: "org_bench", exp: now + 3600 }, api.SECRET)}`;
        const site = (await (
          await fetch(`${base}/vpc/sites`, {
            method: "POST",
            headers: { authorization: auth, "content-type": "application/json" },
            body: JSON.stringify({ name: "poller", platform: "nftables" }),
          })
        ).json()) as { token: string };
        const first = await fetch(`${base}/agent/v1/config`, { headers: { authorization: `Bearer ${site.token}` } });
        const etag = first.headers.get("etag") ?? "";
        await first.arrayBuffer();
        const poll = await api.measure(
          () => fetch(`${base}/agent/v1/config`, { headers: { authorization: `Bearer ${site.token}`, "if-none-match": etag } }),
          304,
        );
        for (const [what, ours, anchor] of [
          ["POST /vpc/security-groups (250 rules)", core.post, bare.post],
          ["GET /vpc/security-groups/{id}", core.get, bare.get],
          ["agent poll, unchanged (304)", poll, barePoll],
        ] as const) {
          const o = asSummary(ours);
          const a = asSummary(anchor);
          result.rows.push({
            metric: `${engine}: ${what}`,
            ours: o,
            anchor: { name: "bare Fastify route, same JSON in and out", summary: a },
            ratio: ratio(o, a),
            note: `${ours.requests_per_s} req/s with ${ours.concurrency} in flight (bare: ${anchor.requests_per_s})`,
          });
        }
      } finally {
        await server.close();
      }
    } catch (err) {
      result.notes.push(`${engine}: not measured: ${(err as Error).message}`);
    } finally {
      await db?.stop();
    }
  }
  result.notes.push(
    "For these rows `max` is the 95th percentile of the sequential requests (per-request samples are not kept). No target was set; the ratio is the cost of auth, validation, storage and (for writes) compilation over Fastify's own JSON handling.",
  );
  return result;
}

async function bare304(measure: typeof import("../api.bench").measure) {
  const Fastify = (await import("fastify")).default;
  const app = Fastify();
  app.get("/config", async (request, reply) => {
    if (request.headers["if-none-match"] === '"r1"') return reply.code(304).send();
    reply.header("etag", '"r1"');
    return { config: "" };
  });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    return await measure(() => fetch(`${base}/config`, { headers: { "if-none-match": '"r1"', authorization: "Bearer x" } }), 304);
  } finally {
    await app.close();
  }
}

// ---------------------------------------------------------------- pulumi

async function pulumiCase(opts: CaseOptions): Promise<CaseResult> {
  const groups = opts.smoke ? 2 : 50;
  const lists = opts.smoke ? 1 : 10;
  process.env.SG_BENCH_GROUPS = String(groups);
  process.env.SG_BENCH_LISTS = String(lists);
  const bench = await import("../pulumi-up.bench");
  const { ensurePulumi } = await import("../../test/support/pulumi-cli");
  const { signHs256 } = await import("../../core/api/jwt");
  const { removeDirs } = await import("../../test/support/pulumi-cli");
  ensurePulumi();
  const core = await bench.startServe();
  const token = signHs256({ org: `bench-${process.pid}`, sub: "bench", exp: Math.floor(Date.now() / 1000) + 4 * 3600 }, bench.SECRET);
  const env = { SECGROUPS_ENDPOINT: core.endpoint, SECGROUPS_TOKEN: token, SG_BENCH_GROUPS: String(groups), SG_BENCH_LISTS: String(lists) };
  const runs = Math.min(opts.runs, 3);
  const samples = { secgroups: { up: [] as number[], preview: [] as number[] }, noop: { up: [] as number[], preview: [] as number[] } };
  try {
    // Warm-up: one round of each (the first `pulumi` start pays for plugin and TypeScript caches).
    for (let run = 0; run < Math.min(opts.warmup, 1) + runs; run++) {
      for (const name of ["noop", "secgroups"] as const) {
        opts.log(`pulumi: ${name} round ${run + 1}`);
        const r = await bench.measure(`${name}.ts`, env);
        if (run >= Math.min(opts.warmup, 1)) {
          samples[name].up.push(r.up);
          samples[name].preview.push(r.preview);
        }
      }
    }
  } finally {
    core.proc.kill("SIGTERM");
    removeDirs(core.dir);
  }
  const rows: Row[] = (["up", "preview"] as const).map((step) => {
    const ours = summarize(samples.secgroups[step]);
    const anchor = summarize(samples.noop[step]);
    const r = ratio(ours, anchor);
    return {
      metric: step === "up" ? "pulumi up (create all)" : "pulumi preview (unchanged)",
      ours,
      anchor: { name: "same program through a no-op dynamic provider (bench/pulumi-up/noop.ts)", summary: anchor },
      ratio: r,
      target: { text: "<= 1.5x the no-op provider", met: r !== undefined ? r <= 1.5 : undefined },
    };
  });
  return {
    name: "pulumi",
    title: "Pulumi up / unchanged preview",
    workload: `${groups} security groups (5 rules) + ${lists} prefix lists (8 CIDRs) through secgroups/pulumi against \`secgroups serve\` (PGlite), fresh stack per run (bench/pulumi-up.bench.ts)`,
    rows,
    notes: [
      "Each run creates a fresh stack: up, then an unchanged preview, then destroy (not timed). Runs of ours and the anchor alternate.",
    ],
  };
}

// ---------------------------------------------------------------- semantic diff, lint, review

async function reviewCase(opts: CaseOptions): Promise<CaseResult> {
  const { largePolicy: compilePolicyDoc } = await import("../compile.bench");
  const review = await import("../review.bench");
  const size = opts.smoke ? SMOKE : FULL;
  const before = compilePolicyDoc(1, size);
  const after = compilePolicyDoc(1, size);
  for (const g of after.security_groups) {
    g.rules = g.rules.map((r, i) =>
      i % 40 === 0 ? { ...r, port: r.port ? "22" : r.port, action: r.action === "drop" ? "accept" : "drop" } : r,
    );
  }
  const t = { warmup: opts.warmup, runs: opts.runs };
  const dir = join(opts.workDir, "review");
  mkdirSync(dir, { recursive: true });
  const nftA = join(dir, "before.nft");
  const nftB = join(dir, "after.nft");
  writeFileSync(nftA, compilePolicy(before, "nftables"));
  writeFileSync(nftB, compilePolicy(after, "nftables"));
  const rows: Row[] = [];
  const textDiff = (a: string, b: string) => {
    const r = spawnSync("diff", ["-u", a, b], { maxBuffer: 512 * 1024 * 1024 });
    if (r.status !== 0 && r.status !== 1) throw new Error(`diff exited ${r.status}`);
  };
  opts.log("review: semantic diff");
  const nb = normalizePolicy(before);
  const na = normalizePolicy(after);
  const sd = await timeIt(() => semanticDiff(nb, na), t);
  const sdDocs = await timeIt(() => semanticDiff(before, after), t);
  const diffAnchor = await timeIt(() => textDiff(nftA, nftB), t);
  rows.push({
    metric: "semantic diff (normalized policies)",
    ours: sd,
    anchor: { name: "`diff -u` of the two compiled nftables files", summary: diffAnchor },
    ratio: ratio(sd, diffAnchor),
    target: { text: "<= 1 s", met: sd.median_ms <= 1000 },
  });
  rows.push({
    metric: "semantic diff (from documents, incl. normalization)",
    ours: sdDocs,
    anchor: { name: "`diff -u` of the two compiled nftables files", summary: diffAnchor },
    ratio: ratio(sdDocs, diffAnchor),
    target: { text: "<= 1 s", met: sdDocs.median_ms <= 1000 },
  });

  opts.log("review: lint");
  const li = await timeIt(() => lint(before), t);
  let lintAnchor: Summary | undefined;
  let lintErr: string | undefined;
  if (isRoot()) {
    await withNetns(`sg-bench-lint-${process.pid}`, async (ns) => {
      lintAnchor = await timeIt(() => inNs(ns, "nft", ["-c", "-f", nftA]), t);
    }).catch((e: Error) => (lintErr = e.message));
  } else lintErr = "needs root (nft -c in a network namespace)";
  rows.push({
    metric: "lint",
    ours: li,
    anchor: { name: "`nft -c -f` (nftables' own check) of the compiled file", summary: lintAnchor, error: lintErr },
    ratio: ratio(li, lintAnchor),
    target: { text: "<= 1 s", met: li.median_ms <= 1000 },
  });

  opts.log("review: secgroups review");
  const rb = review.largePolicy(7);
  if (opts.smoke) {
    rb.prefix_lists = rb.prefix_lists.slice(0, 20).map((l) => ({ ...l, prefixes: l.prefixes.slice(0, 100) }));
    // modified() edits rules up to index 201: keep all rules, point them at the remaining lists.
    const ids = new Set(rb.prefix_lists.map((l) => l.id));
    rb.security_groups[0].rules = rb.security_groups[0].rules.map((r, i) =>
      ids.has(r.address) || !r.address.startsWith("prfx_lst_") ? r : { ...r, address: rb.prefix_lists[i % 20].id },
    );
  }
  const head = review.modified(rb);
  const basePath = join(dir, "base.json");
  const headPath = join(dir, "head.json");
  writeFileSync(basePath, JSON.stringify(rb));
  writeFileSync(headPath, JSON.stringify(head));
  writeFileSync(join(dir, "base.pretty.json"), JSON.stringify(rb, null, 1));
  writeFileSync(join(dir, "head.pretty.json"), JSON.stringify(head, null, 1));
  const rev = await timeIt(() => {
    const sides = sidesOf(loadReviewInput(basePath), loadReviewInput(headPath));
    renderMarkdown(reviewSnapshots(sides.base, sides.head));
  }, t);
  const revAnchor = await timeIt(() => textDiff(join(dir, "base.pretty.json"), join(dir, "head.pretty.json")), t);
  rows.push({
    metric: "`secgroups review` (read both files, diff, lint both sides, Markdown)",
    ours: rev,
    anchor: { name: "`diff -u` of the two policy files (pretty-printed JSON)", summary: revAnchor },
    ratio: ratio(rev, revAnchor),
    target: { text: "<= 1 s", met: rev.median_ms <= 1000 },
  });
  const cidrs = rb.prefix_lists.reduce((n, l) => n + l.prefixes.length, 0);
  return {
    name: "review",
    title: "Semantic diff, lint and review of two large policies",
    workload: `diff/lint: bench/compile.bench.ts largePolicy(1) (${fmt(cidrsOf(size))} CIDRs, ${size.rules} rules) and a copy with every 40th rule edited; review: bench/review.bench.ts largePolicy(7) and modified() (${fmt(cidrs)} CIDRs per side)`,
    rows,
    notes: [
      "The anchors are the text tools a reviewer has without secgroups: they report which lines changed, not which packets; they are a floor, not an equivalent.",
    ],
  };
}

// ---------------------------------------------------------------- fan-out

async function fanoutCase(opts: CaseOptions): Promise<CaseResult> {
  const { runFanout, bareFanout } = await import("../fanout.bench");
  const n = opts.smoke ? 5 : 1000;
  const runs = Math.min(opts.runs, 3);
  const ours: number[] = [];
  const write: number[] = [];
  const active: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    opts.log(`fanout: ${n} agents, run ${i + 1}/${runs}`);
    bare.push(await bareFanout(n));
    const r = await runFanout({ agents: n, change: "group" });
    ours.push(r.change_converge_ms);
    write.push(r.change_write_ms);
    active.push(r.change_active_ms);
  }
  const o = summarize(ours);
  const a = summarize(bare);
  return {
    name: "fanout",
    title: "Fan-out: agents converging after one change",
    workload: `${n} simulated agents (long-pollers in one process: poll with ETag and wait=30, report applied) on one in-process API server (PGlite); one group attached to all of them gets one rule changed (PUT)`,
    rows: [
      {
        metric: `${n} agents: PUT until every agent reported the new revision`,
        ours: o,
        anchor: { name: "bare Fastify long-poll: release N held requests, N reports", summary: a },
        ratio: ratio(o, a),
        target: { text: "<= 10 s", met: o.median_ms <= 10_000 },
      },
      {
        metric: `${n} agents: PUT until the group reads \`active\``,
        ours: summarize(active),
        anchor: { name: "bare Fastify long-poll (as above)", summary: a },
        ratio: ratio(summarize(active), a),
      },
      { metric: `the PUT itself (new revisions of ${n} sites in its transaction)`, ours: summarize(write) },
    ],
    notes: [
      "Each run is a fresh server and fleet (site creation and first convergence are not timed); no warm-up run beyond that first convergence.",
    ],
  };
}

async function curveSites(opts: CaseOptions): Promise<CaseResult> {
  const { runFanout, bareFanout } = await import("../fanout.bench");
  const counts = opts.smoke ? [2, 4] : [10, 100, 1000, 10_000];
  const curve: Curve = {
    id: "curve-sites",
    title: "Fan-out against sites (one prefix-list change reaching every site)",
    x_label: "sites (agents)",
    y_label: "ms (log)",
    log_x: true,
    points: [],
  };
  const write: Curve = {
    id: "curve-sites-write",
    title: "Deploy: the PUT that writes every site's new revision",
    x_label: "sites",
    y_label: "ms (log)",
    log_x: true,
    points: [],
  };
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const n of counts) {
    opts.log(`curve-sites: ${n}`);
    try {
      const b = await bareFanout(n);
      const r = await runFanout({ agents: n, change: "prefix_list", timeoutMs: 600_000 });
      const o = summarize([r.change_converge_ms]);
      const a = summarize([b]);
      curve.points.push({ x: n, ours_ms: r.change_converge_ms, anchors: { "bare Fastify": b } });
      write.points.push({ x: n, ours_ms: r.change_write_ms, anchors: {} });
      rows.push({
        metric: `${fmt(n)} sites: PUT until all agents applied`,
        ours: o,
        anchor: { name: "bare Fastify long-poll", summary: a },
        ratio: ratio(o, a),
        note: `PUT (recompile) ${r.change_write_ms.toFixed(0)} ms; creating the sites ${(r.create_sites_ms / 1000).toFixed(1)} s`,
      });
    } catch (err) {
      notes.push(`${fmt(n)} sites: not measured: ${(err as Error).message}`);
    }
  }
  return {
    name: "curve-sites",
    title: "Fan-out and deploy recompile against sites",
    workload: `${counts.join(", ")} simulated agents; groups of up to 1,000 sites (the API's limit per group) share one prefix list, which is edited`,
    rows,
    curves: [curve, write],
    notes: ["One run per point.", ...notes],
  };
}

// ---------------------------------------------------------------- CLI start-up

const mibText = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

/** Packages whose load `secgroups agent` must not pay for: the API server and its stores. */
const SERVER_PACKAGES = ["fastify", "@electric-sql/pglite", "pg"];

async function startupCase(opts: CaseOptions): Promise<CaseResult> {
  const base: CaseResult = {
    name: "startup",
    title: "CLI start-up: `secgroups agent --help`",
    workload: '`node bin/secgroups.js agent --help` (and `serve --help`), spawn to exit, against a bare `node -e ""`',
    rows: [],
    notes: [],
  };
  const bin = join(opts.repo, "bin/secgroups.js");
  if (!existsSync(join(opts.repo, "dist/core/cli/main.js")))
    return { ...base, skipped: "dist/ is not built (npx tsc -p tsconfig.build.json)" };
  // Preloaded into each process: at exit, its peak RSS and the packages it loaded, as the last line of stderr.
  const reporter = join(opts.workDir, "startup-reporter.js");
  writeFileSync(
    reporter,
    [
      'process.on("exit", () => {',
      "  const packages = new Set();",
      "  for (const file of Object.keys(require.cache)) {",
      '    const at = file.lastIndexOf("/node_modules/");',
      "    if (at < 0) continue;",
      '    const parts = file.slice(at + 14).split("/");',
      '    packages.add(parts[0].startsWith("@") ? parts[0] + "/" + parts[1] : parts[0]);',
      "  }",
      '  process.stderr.write("\\n" + JSON.stringify({ rss: process.resourceUsage().maxRSS, packages: [...packages] }) + "\\n");',
      "});",
    ].join("\n"),
  );
  const measure = async (args: string[]) => {
    let last: { rss: number; packages: string[] } = { rss: 0, packages: [] };
    const rss: number[] = [];
    const summary = await timeIt(
      () => {
        const r = spawnSync(process.execPath, ["-r", reporter, ...args], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
        if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(0, 300)}`);
        last = JSON.parse(r.stderr.trim().split("\n").pop()!);
        rss.push(last.rss);
      },
      { warmup: opts.warmup, runs: Math.max(opts.runs, opts.smoke ? 1 : 15) },
    );
    const medianRss = [...rss].sort((a, b) => a - b)[Math.floor(rss.length / 2)];
    return { summary, rss: medianRss, packages: last.packages };
  };
  opts.log("startup: bare node, agent --help, serve --help");
  const bare = await measure(["-e", ""]);
  const anchor = { name: 'bare `node -e ""`', summary: bare.summary, peak_rss_kib: bare.rss };
  for (const command of ["agent", "serve"]) {
    const ours = await measure([bin, command, "--help"]);
    const server = SERVER_PACKAGES.filter((p) => ours.packages.includes(p));
    base.rows.push({
      metric: `secgroups ${command} --help: start-up and exit`,
      ours: ours.summary,
      anchor,
      ratio: ratio(ours.summary, bare.summary),
      note: `peak RSS ${mibText(ours.rss)} (bare node ${mibText(bare.rss)}); of ${SERVER_PACKAGES.join(", ")} it loads ${server.length ? server.join(", ") : "none"}`,
    });
  }
  base.notes.push(
    "Peak RSS is the median ru_maxrss of the timed runs. Each command's module is loaded when it runs (core/cli/commands/index.ts), so `agent` loads no server package; test/integration/cli.test.ts checks that.",
    "Before and after issue #13, measured by hand (the former build, where every command module loaded at start, interleaved with this one: 31 runs each of `agent --help` through core/cli/main.js, load average about 5.5 on 2 cores): before 495 ms median (min 303 ms) and 70.7 MiB peak RSS, 256 modules loaded, fastify, @electric-sql/pglite and pg among them; after 230 ms median (min 125 ms) and 49.5 MiB, 42 modules, none of those three.",
  );
  return base;
}

export const CASES: Record<string, (opts: CaseOptions) => Promise<CaseResult>> = {
  compile: compileCase,
  "compile-dual": compileDualCase,
  "alloc-cidr6": allocCidr6Case,
  "agent-apply": agentApplyCase,
  incremental: incrementalCase,
  api: apiCase,
  pulumi: pulumiCase,
  review: reviewCase,
  fanout: fanoutCase,
  "group-fanout": groupFanoutCase,
  "curve-cidrs": curveCidrs,
  "curve-rules": curveRules,
  "curve-sites": curveSites,
  startup: startupCase,
  console: consoleCase,
};

export const exists = existsSync;
