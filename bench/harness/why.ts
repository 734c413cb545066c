/**
 * Why a figure misses its target, keyed "case::metric prefix". Written by hand
 * after looking at a run; BENCHMARKS.md quotes the entry beside each miss.
 * Keep them honest: say what was measured, what is known, and what is a guess.
 */
export const WHY: Record<string, string> = {
  "compile::compile --target nftables":
    "Both parts are missed at 100,000 CIDRs. On the idle machine (load 0 at the start of the case) ours took about 0.2 s (target 0.15 s) and was about 12x faster than Capirca and 15x faster than Aerleon (target 20x); under load the ratio looked better (16-19x at load 1-4) because the Python anchors suffered more from the load than ours. The anchors do comparable work per CIDR (parse, collapse, render), so the ratio tracks our own per-CIDR cost: validating and normalizing the 100,000-CIDR document and rendering every set element as text (the CIDR curve grows linearly). Not profiled here; compile performance is being worked on separately (issue #3). Note also that Capirca 2.0.6 renders no ports, i.e. does less work than asked.",
  "compile::compile --target iptables": `No anchor. The iptables and RouterOS renderers write every CIDR as text lines (ipset add / address-list entries) and so cost more than the nftables set syntax. Measured at a load average of about 1-4; being optimized separately (issue #3).`,
  "compile::compile --target routeros": `No anchor. The iptables and RouterOS renderers write every CIDR as text lines (ipset add / address-list entries) and so cost more than the nftables set syntax. Measured at a load average of about 1-4; being optimized separately (issue #3).`,
  "agent-apply::nftables: agent apply":
    "On the idle machine: raw `nft -f` about 0.9 s, the agent's apply about 2.1 s, the drift check alone (read-back `nft -j list table` + compare) about 0.5 s. So verification explains about half of the overhead; the rest (about 0.7 s) is in the apply path itself (writing the state file, running nft through the runner with the configuration on stdin, and anything else apply does before the read-back) and has not been profiled yet. Under load the ratio varied from 2.2x to 6x between runs.",
  "agent-apply::iptables: agent apply":
    "Not profiled yet (6.4x on the idle machine, 20x at load 20). By construction the agent's apply runs `ipset restore` and `iptables-restore --noflush` (the anchor), then `iptables -C` per jump, then reads back `iptables-save` and `ipset save` (100,000 entries) and compares them in JavaScript as merged address ranges: the read-back and comparison, not the kernel load, dominate. Profile IptablesEnforcer.check against `ipset save` output of this size first.",
  "review::`secgroups review`":
    "On the idle machine the semantic diff (0.3 s) and lint (0.4 s) meet their 1 s target, but the whole review takes about 2.2 s: it reads and parses two 100,000-CIDR files, normalizes both (0.2 s each, see the diff-from-documents row), diffs, and lints both sides under two site views, and renders Markdown. Not profiled step by step here; bench/review.bench.ts prints the read/review/render split. Review performance is being optimized concurrently (issue #7).",
  "review::semantic diff":
    "Met on the idle machine in the latest run; under load (a load average of 3-20) the same step measured 1.1-2.7 s.",
  "review::lint": "Met on the idle machine in the latest run; under load it measured 1.4-3.9 s.",
  "fanout::":
    "Where the time goes (from the rows of this case): the PUT itself recompiles all 1,000 sites inside its transaction (the third row, several seconds of the total), and only then are the agents woken; each of the 1,000 then re-reads its site (one query), fetches its configuration and reports (one write transaction), all on PGlite, which runs every query of the process one at a time in a single WebAssembly instance, in the same process as the 1,000 simulated agents. The bare Fastify floor (no storage) is a few seconds on this loaded machine too. Meeting 10 s on this machine needs the recompile out of the write's critical path (or cheaper per-site compilation for identical site policies: all 1,000 sites here compile to the same text) and/or PostgreSQL for fleets of this size. The run was made at a load average of about 6-9 on 2 cores.",
  "pulumi::":
    "Each secgroups resource's create is a real HTTP round trip to the API, which validates, stores and recompiles the attached sites in its transaction; the no-op provider returns at once. The engine's own cost (language host, dynamic-provider process, state writes) is shared by both.",
};
