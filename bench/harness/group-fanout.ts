/**
 * The `group-fanout` case (#15): a membership change of a group that a group
 * on N sites names as its peer, until every one of the N agents reported the
 * new revision (bench/group-fanout.bench.ts), beside the bare-Fastify
 * long-poll floor in the same run.
 */
import { ratio, summarize } from "./stats";
import type { CaseOptions, CaseResult } from "./types";

export async function groupFanoutCase(opts: CaseOptions): Promise<CaseResult> {
  const { runGroupFanout } = await import("../group-fanout.bench");
  const { bareFanout } = await import("../fanout.bench");
  const n = opts.smoke ? 5 : 1000;
  const runs = opts.smoke ? 1 : Math.min(opts.runs, 3);
  const ours: number[] = [];
  const write: number[] = [];
  const active: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    opts.log(`group-fanout: ${n} sites, run ${i + 1}/${runs}`);
    bare.push(await bareFanout(n));
    const r = await runGroupFanout({ agents: n });
    ours.push(r.change_converge_ms);
    write.push(r.change_write_ms);
    active.push(r.change_active_ms);
  }
  const o = summarize(ours);
  const a = summarize(bare);
  return {
    name: "group-fanout",
    title: "Group membership change reaching the referencing sites",
    workload: `${n} simulated agents (long-pollers in one process, as in \`fanout\`) on the sites of one group whose rule allows tcp/5432 from another group (2 member sites with declared addresses); the change attaches a third site to the referenced group (PUT of its sites), on one in-process API server (PGlite)`,
    rows: [
      {
        metric: `${n} sites: membership PUT until every agent reported the new revision`,
        ours: o,
        anchor: { name: "bare Fastify long-poll: release N held requests, N reports", summary: a },
        ratio: ratio(o, a),
        target: { text: "<= 3 s", met: o.median_ms <= 3_000 },
      },
      {
        metric: `${n} sites: membership PUT until the referencing group reads \`active\``,
        ours: summarize(active),
        anchor: { name: "bare Fastify long-poll (as above)", summary: a },
        ratio: ratio(summarize(active), a),
      },
      { metric: `the PUT itself (recompiles the ${n} referencing sites in its transaction)`, ours: summarize(write) },
    ],
    notes: [
      "Each run is a fresh server and fleet (site creation and first convergence are not timed). After each run the harness checks, untimed, that every agent reported its site's desired revision and that the referencing group was never written.",
    ],
  };
}
