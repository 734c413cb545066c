/**
 * Property test: random and mutated IPv6 text (and IPv4, and garbage) as a
 * rule's `address` and as a prefix `cidr` in PUTs. Never a 5xx; the API
 * accepts exactly what parseCidrOrRange accepts (CIDRs pinned to Node's parser by
 * core/model/cidr6-node.test.ts), when the protocol fits the family, and
 * returns its canonical text; every refusal is a 422 ErrorResponse whose
 * message names the field; a refused PUT leaves the resource as it was.
 *
 * IPV6_FUZZ_RUNS (default 1500) requests on PGlite, IPV6_FUZZ_PG_RUNS (300) on
 * PostgreSQL; FUZZ_SEED replays a run.
 */
import fc from "fast-check";
import { parseCidrOrRange } from "../../../core/model/address";
import { protocolFamily } from "../../../core/model/protocols";
import { applyEdits, cidr6Text, edits } from "../../support/ipv6-text";
import { ENGINES, expectErrorShape, rule, useCore, type Engine, type Response } from "../../support/core";

const RUNS: Record<Engine, number> = {
  pglite: Number(process.env.IPV6_FUZZ_RUNS ?? 1500),
  postgres: Number(process.env.IPV6_FUZZ_PG_RUNS ?? 300),
};
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

const FIXED = "10.0.0.0/8";

/** What is sent as the address: mostly IPv6-like text, some IPv4 text, some values that are not strings. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: cidr6Text },
  { weight: 1, arbitrary: fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 33 }), edits).map(([a, p, e]) => applyEdits(`${a}/${p}`, e)) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(5, null, true, [], {}, ["::/0"], "::/0", "0.0.0.0/0", FIXED) },
);

const PROTOCOLS = [
  { protocol: 6, port: "443" },
  { protocol: 17, port: "53" },
  { protocol: 0, port: "" },
  { protocol: 1, port: "" },
  { protocol: 58, port: "" },
];

type Case = { target: "rule"; address: unknown; protocol: number; port: string } | { target: "prefix"; cidr: unknown };

const fuzzCase: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(value, fc.constantFrom(...PROTOCOLS)).map(([address, p]) => ({ target: "rule" as const, address, ...p })),
  value.map((cidr) => ({ target: "prefix" as const, cidr })),
);

/** The expected outcome: the stored text, or the field a refusal must name. */
function expected(c: Case): { accepted: string } | { refusedAt: string } {
  const text = c.target === "rule" ? c.address : c.cidr;
  const field = c.target === "rule" ? "rules[1].address" : "prefixes[1].cidr";
  if (typeof text !== "string") return { refusedAt: field };
  const parsed = parseCidrOrRange(text);
  if (!parsed.ok) return { refusedAt: field };
  if (c.target === "prefix" && parsed.canonical === FIXED) return { refusedAt: field }; // duplicate_value
  if (c.target === "rule") {
    const family = protocolFamily(c.protocol);
    if (family !== undefined && family !== parsed.family) return { refusedAt: "rules[1].protocol" };
  }
  return { accepted: parsed.canonical };
}

describe.each(ENGINES)("IPv6 text fuzz (%s)", (engine) => {
  const t = useCore(engine);

  it(`${RUNS[engine]} PUTs of IPv6 text: no 5xx, acceptance as the model's, 422s name the field, refusals write nothing`, async () => {
    const group = await t.core.create("/vpc/security-groups", { name: "fuzz v6", rules: [rule(1, { address: FIXED })], sites: [] });
    const list = await t.core.create("/vpc/prefix-lists", { name: "fuzz v6", prefixes: [{ cidr: FIXED }], sites: [] });
    const current = {
      rule: (await t.core.get(`/vpc/security-groups/${group.id}`)).json,
      prefix: (await t.core.get(`/vpc/prefix-lists/${list.id}`)).json,
    };
    const counts = { accepted: 0, refused: 0 };

    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        const url = c.target === "rule" ? `/vpc/security-groups/${group.id}` : `/vpc/prefix-lists/${list.id}`;
        const body =
          c.target === "rule"
            ? {
                name: "fuzz v6",
                rules: [
                  rule(1, { address: FIXED }),
                  { direction: "inbound", order: 2, protocol: c.protocol, port: c.port, address: c.address, description: "fuzzed" },
                ],
                sites: [],
              }
            : { name: "fuzz v6", prefixes: [{ cidr: FIXED }, { cidr: c.cidr }], sites: [] };
        const res: Response = await t.core.put(url, body);
        const want = expected(c);
        const why = `${JSON.stringify(c)} -> ${res.status} ${res.body}`;
        if (res.status >= 500) throw new Error(`5xx: ${why}`);

        if ("accepted" in want) {
          if (res.status !== 200) throw new Error(`expected 200 with ${want.accepted}: ${why}`);
          const stored = c.target === "rule" ? res.json.rules[1].address : res.json.prefixes[1].cidr;
          if (stored !== want.accepted) throw new Error(`stored ${stored}, expected ${want.accepted}: ${why}`);
          current[c.target] = (await t.core.get(url)).json;
          counts.accepted++;
          return;
        }
        if (res.status !== 422) throw new Error(`expected 422 naming ${want.refusedAt}: ${why}`);
        expectErrorShape(res);
        if (!res.json.message.includes(`${want.refusedAt}:`)) throw new Error(`422 does not name ${want.refusedAt}: ${why}`);
        const after = (await t.core.get(url)).json;
        expect(after).toEqual(current[c.target]);
        counts.refused++;
      }),
      { numRuns: RUNS[engine], seed: SEED },
    );
    // Both outcomes were exercised (a generator that only produced garbage would prove little).
    expect(counts.accepted).toBeGreaterThan(RUNS[engine] / 20);
    expect(counts.refused).toBeGreaterThan(RUNS[engine] / 5);
  }, 600_000);
});
