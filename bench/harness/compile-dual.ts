/**
 * The dual-stack compile case (issue #14): 100,000 IPv4 + 100,000 IPv6 CIDRs
 * (bench/compile.bench.ts dualStackPolicy) compiled to nftables in process,
 * beside Capirca and Aerleon rendering the same policy, and beside the
 * IPv4-only compile of the `compile` case (largePolicy), so that both are
 * measured on the same commit under the same load.
 *
 * Interleaved: each round runs ours (IPv4-only and dual-stack alternately),
 * then one Capirca and one Aerleon run; the machine's load (2 cores shared
 * with other work) then weighs on every figure alike. Wall and CPU time of
 * every run are kept. Every output's IPv4 and IPv6 addresses are counted, so
 * that a side which drops a family (an IPv4-only renderer, an anchor filter
 * of the wrong family) shows in the table instead of looking fast.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAddressCidr, parseIPv4, parseIPv6 } from "../../core/model";
import { compilePolicy } from "../../core/platforms";
import { normalizePolicy, type PolicyDocumentInput } from "../../core/policy";
import { pythonAnchor, type AnchorRun } from "./anchors";
import { ratio, summarize, timeOnce } from "./stats";
import type { CaseOptions, CaseResult, Row, Summary } from "./types";

const FULL = { lists: 200, perList: 500, rules: 250 };
const SMOKE = { lists: 4, perList: 5, rules: 10 };
const fmt = (n: number) => n.toLocaleString("en-US");

/** IPv4 and IPv6 addresses or CIDRs in an nftables text: every token that parses as one (total and distinct). */
export function countAddresses(text: string): { v4: number; v6: number; v4Distinct: number; v6Distinct: number } {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  let n4 = 0;
  let n6 = 0;
  for (const token of text.split(/[\s,{}();"]+/)) {
    if (!token || !/^[0-9a-fA-F:.]+(\/\d+)?$/.test(token)) continue;
    const parsed = token.includes("/") ? parseAddressCidr(token) : undefined;
    const family = parsed?.ok
      ? parsed.family
      : !token.includes("/") && token.includes(":") && parseIPv6(token)
        ? 6
        : !token.includes("/") && parseIPv4(token) !== undefined
          ? 4
          : undefined;
    if (family === 4) {
      n4++;
      v4.add(token);
    } else if (family === 6) {
      n6++;
      v6.add(token);
    }
  }
  return { v4: n4, v6: n6, v4Distinct: v4.size, v6Distinct: v6.size };
}

const countText = (c: ReturnType<typeof countAddresses>) =>
  `${fmt(c.v4)} IPv4 (${fmt(c.v4Distinct)} distinct) + ${fmt(c.v6)} IPv6 (${fmt(c.v6Distinct)} distinct) addresses in its output`;

/** What the normalized policy asks the output to hold: the collapsed CIDRs of every referenced list and inline rule. */
function expectedCounts(doc: PolicyDocumentInput): { v4: number; v6: number } {
  const policy = normalizePolicy(doc);
  const used = new Set(policy.rules.flatMap((r) => (r.address.kind === "prefixList" ? [r.address.id] : [])));
  let v4 = 0;
  let v6 = 0;
  for (const list of policy.prefixLists) {
    if (!used.has(list.id)) continue;
    v4 += list.cidrs.length;
    v6 += list.cidrs6.length;
  }
  for (const r of policy.rules) {
    if (r.address.kind !== "cidr") continue;
    if (r.address.family === 6) v6++;
    else v4++;
  }
  return { v4, v6 };
}

export async function compileDualCase(opts: CaseOptions): Promise<CaseResult> {
  const { dualStackPolicy, largePolicy } = await import("../compile.bench");
  const size = opts.smoke ? SMOKE : FULL;
  // As the API and `secgroups compile FILE` get them: parsed from JSON (flat strings).
  const dual = JSON.parse(JSON.stringify(dualStackPolicy(1, size))) as PolicyDocumentInput;
  const v4 = JSON.parse(JSON.stringify(largePolicy(1, size))) as PolicyDocumentInput;
  const file = join(opts.workDir, "compile-dual-policy.json");
  writeFileSync(file, JSON.stringify(dual));
  const cidrs = (family: 4 | 6) =>
    dual.prefix_lists!.reduce((n, l) => n + l.prefixes.filter((p) => p.cidr.includes(":") === (family === 6)).length, 0);
  const workload =
    `dualStackPolicy(1) of bench/compile.bench.ts: ${fmt(cidrs(4))} IPv4 + ${fmt(cidrs(6))} IPv6 CIDRs in ${dual.prefix_lists!.length} prefix lists ` +
    `(${size.lists} of ${size.perList} per family), ${dual.security_groups.reduce((n, g) => n + g.rules.length, 0)} rules in ${dual.security_groups.length} groups ` +
    `(the compile case's largePolicy(1) and its IPv6 twin); the IPv4-only figure is largePolicy(1) itself`;
  const expected = expectedCounts(dual);

  // Does this commit render the IPv6 half at all? (Before the IPv6 nftables renderer, it throws or drops it.)
  let renderError: string | undefined;
  let oursCount: ReturnType<typeof countAddresses> | undefined;
  try {
    const text = compilePolicy(dual, "nftables");
    writeFileSync(join(opts.workDir, "ours-dual.nft"), text);
    oursCount = countAddresses(text);
    if (oursCount.v6 === 0 && expected.v6 > 0) renderError = "the nftables output holds no IPv6 address (IPv4-only renderer)";
  } catch (err) {
    renderError = `compilePolicy(dual, "nftables") threw: ${(err as Error).message}`;
  }

  const rounds = opts.smoke ? 1 : Math.min(opts.runs, 3);
  const perRound = Math.max(1, Math.ceil(opts.runs / rounds));
  const samples: Record<string, { wall: number[]; cpu: number[] }> = {};
  const record = (key: string, fn: () => unknown) => {
    const t = timeOnce(fn);
    (samples[key] ??= { wall: [], cpu: [] }).wall.push(t.wall);
    samples[key].cpu.push(t.cpu);
  };
  const oursFns: [string, () => unknown][] = [
    ["v4", () => compilePolicy(v4, "nftables")],
    ["normalize-v4", () => normalizePolicy(v4)],
    ["normalize-dual", () => normalizePolicy(dual)],
  ];
  if (!renderError) oursFns.push(["dual", () => compilePolicy(dual, "nftables")]);
  for (let w = 0; w < opts.warmup; w++) for (const [, fn] of oursFns) fn();
  const anchorSamples: Record<string, AnchorRun[]> = { capirca: [], aerleon: [] };
  for (let round = 0; round < rounds; round++) {
    opts.log(`compile-dual: round ${round + 1}/${rounds}: ours`);
    for (let k = 0; k < perRound; k++) for (const [key, fn] of oursFns) record(key, fn);
    for (const impl of ["capirca", "aerleon"] as const) {
      opts.log(`compile-dual: round ${round + 1}/${rounds}: ${impl}`);
      anchorSamples[impl].push(pythonAnchor(opts, impl, file, 1, 0, join(opts.workDir, `${impl}-dual.nft`)));
    }
  }
  const sum = (key: string): Summary => summarize(samples[key].wall, samples[key].cpu);
  const anchorOf = (impl: string): AnchorRun => {
    const runs = anchorSamples[impl];
    const failed = runs.find((r) => r.error);
    if (failed) return { error: failed.error };
    return {
      summary: summarize(
        runs.flatMap((r) => r.summary!.samples_ms),
        runs.flatMap((r) => r.summary!.cpu_samples_ms ?? []),
      ),
      peak_rss_kib: Math.max(...runs.map((r) => r.peak_rss_kib ?? 0)),
      output_bytes: runs[runs.length - 1].output_bytes,
    };
  };

  const rows: Row[] = [];
  const dualSummary = renderError ? undefined : sum("dual");
  for (const impl of ["capirca", "aerleon"] as const) {
    const anchor = anchorOf(impl);
    let anchorCount = "";
    try {
      anchorCount = countText(countAddresses(readFileSync(join(opts.workDir, `${impl}-dual.nft`), "utf8")));
    } catch {
      anchorCount = "no output file";
    }
    const name =
      impl === "capirca"
        ? "Capirca (Debian python3-capirca), parse + render nftables (`mixed` filters)"
        : "Aerleon (PyPI), parse + render nftables (`mixed` filters)";
    const r = dualSummary ? ratio(dualSummary, anchor.summary) : undefined;
    rows.push({
      metric: `compile --target nftables, ${fmt(cidrs(4))} IPv4 + ${fmt(cidrs(6))} IPv6 CIDRs vs ${impl}`,
      ours: dualSummary ?? sum("normalize-dual"),
      anchor: { name, ...anchor },
      ratio: r,
      target: {
        text: ">= 20x faster and <= 150 ms",
        met: dualSummary && r !== undefined ? r <= 1 / 20 && dualSummary.median_ms <= 150 : undefined,
      },
      note: renderError
        ? `NOT the compile: ${renderError}; "ours" is normalizePolicy(dual) alone (validation + per-family collapse). ${impl}: ${anchorCount}`
        : `ours: ${countText(oursCount!)}; ${impl}: ${anchorCount}`,
    });
  }
  const v4Summary = sum("v4");
  rows.push({
    metric: "compile --target nftables, IPv4 only (largePolicy(1), the compile case), interleaved with the above",
    ours: v4Summary,
    target: { text: "<= 150 ms (and no slower than before #14: see the notes)", met: v4Summary.median_ms <= 150 },
  });
  rows.push({ metric: "normalizePolicy, dual stack (validation + per-family collapse)", ours: sum("normalize-dual") });
  rows.push({ metric: "normalizePolicy, IPv4 only", ours: sum("normalize-v4") });
  return {
    name: "compile-dual",
    title: "Compile, dual stack",
    workload,
    rows,
    notes: [
      `Interleaved: ${rounds} rounds, each ${perRound} run(s) of every figure of ours in turn, then one Capirca and one Aerleon run (no anchor warm-up; ours after ${opts.warmup} warm-up runs). Wall time median (min-max); CPU time (user + system of the process) in the ours/anchor cells where shown as "cpu".`,
      `The normalized policy asks for ${fmt(expected.v4)} IPv4 + ${fmt(expected.v6)} IPv6 collapsed CIDRs (referenced lists and inline rules). Anchors collapse too and repeat a term's addresses on each line they render (Capirca 2.0.6 and Aerleon 1.18 write two lines for a term with ports), hence totals above that and the distinct counts.`,
      "IPv4 only before and after #14, measured by hand (bench/compile.bench.ts largePolicy(1) compiled to nftables in memory, as the compile case does; main before the IPv6 contract, f646ea6 = 5385f36^, against this branch with the IPv6 nftables renderer merged; 6 alternating pairs of processes, 5 runs each after 2 warm-up runs, load average 19-21 on 2 cores): CPU time median 129 ms before, 122 ms after (min 92 and 95 ms); wall median 763 and 909 ms, which at that load is mostly waiting for a core. No slowdown shows within that noise; the compile case's 70 ms (load 0.5) needs an idle machine to re-check.",
      "Ours: normalized and rendered from the in-memory document parsed from JSON (flat strings, as the API and `secgroups compile FILE` read it; the compile case passes largePolicy's strings as built).",
      "Anchors: bench/anchors/capirca_nftables.py as for the compile case, with `mixed` filters (Capirca's name for IPv4 + IPv6, an nft `inet` table; their `inet` is IPv4 only) and ICMPv6 as `icmpv6`.",
    ],
  };
}
