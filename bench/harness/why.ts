/**
 * Why a figure misses its target, keyed "case::metric prefix". Written by hand
 * after looking at a run; BENCHMARKS.md quotes the entry beside each miss.
 * Keep them honest: say what was measured, what is known, and what is a guess.
 */
export const WHY: Record<string, string> = {
  "compile::compile --target nftables":
    "Met when measured at load 0-4 since commit 14c938e (about 45-50 ms, 36-40x faster than Capirca and Aerleon); a miss here points at load on the machine during the run. Where the time goes (CPU profile at 100,000 CIDRs): validating the 100,000 prefix entries, one numeric sort per prefix list and one merging pass (unmerged CIDRs keep their input text), rendering, and garbage collection of per-entry objects (about a third). Note also that Capirca 2.0.6 renders no ports, i.e. does less work than asked.",
  "compile::compile --target iptables": `No anchor. Same normal form as nftables; the iptables and RouterOS renderers write every CIDR on its own line (ipset add / address-list entries), a few ms more than the nftables set syntax. Met at load 0-4 since commit 14c938e; a miss points at load on the machine.`,
  "compile::compile --target routeros": `No anchor. Same normal form as nftables; the iptables and RouterOS renderers write every CIDR on its own line (ipset add / address-list entries), a few ms more than the nftables set syntax. Met at load 0-4 since commit 14c938e; a miss points at load on the machine.`,
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
