/**
 * The OpenAPI form of the shape declarations (what /openapi.json serves and
 * the serializer uses) and core/model's structural checker agree: on random
 * bodies, ajv compiled from the served form accepts exactly what the checker
 * accepts. (Text content — NUL, lone surrogates — is the checker's alone and
 * left out of the values here.)
 */
import AjvCompiler from "@fastify/ajv-compiler";
import fc from "fast-check";
import type { TSchema } from "@sinclair/typebox";
import { AgentReport, FilterRuleWrite, PrefixListWrite, SecurityGroupWrite, SiteWrite } from "../model";
import { Checker } from "../model/shapes/check";
import { componentSchemas, toOpenApi } from "./schemas";

type Validate = ((data: unknown) => boolean) & { errors?: unknown };
let ajv!: { compile(schema: unknown): Validate };
AjvCompiler()(
  {},
  {
    customOptions: { strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true },
    onCreate: (instance) => {
      ajv = instance as unknown as typeof ajv;
      for (const schema of componentSchemas) instance.addSchema(schema);
    },
  },
);

const SITE = "site_0ujsswThIGTUYm2K8FjOOfxcYpw";
const value = fc.oneof(
  fc.constantFrom<unknown>(null, 0, -1, 1, 1.5, 250, 251, 255, 256, true, false, [], {}, "", "x", "ab", "abc", "😀😀😀", "n".repeat(256)),
  fc.constantFrom<unknown>("inbound", "outbound", "drop", "accept", "nftables", "routeros", "router", "host", "applied", "failed"),
  fc.constantFrom<unknown>(SITE, "site_x", "10.0.0.0/8", "443", "d".repeat(1025), "é".repeat(1024), [SITE], [SITE, SITE], ["x"]),
  fc.integer({ min: -2, max: 300 }),
  fc.string({ maxLength: 6 }).filter((s) => !s.includes("\u0000") && s.isWellFormed()),
);

function mutated(base: Record<string, unknown>, keys: string[]) {
  return fc
    .array(fc.tuple(fc.constantFrom(...keys, "unknown_field"), fc.oneof(value, fc.constant(undefined))), { maxLength: 4 })
    .map((edits) => {
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of edits) {
        if (v === undefined) delete out[k];
        else out[k] = v;
      }
      return out;
    });
}

const ruleKeys = Object.keys(FilterRuleWrite.properties);
const rule = mutated({ direction: "inbound", order: 1, protocol: 6, port: "443", address: "10.0.0.0/8", description: "r" }, ruleKeys);
const prefix = mutated({ cidr: "10.0.0.0/8" }, ["cidr", "description", "id"]);
const bodies: [string, TSchema, fc.Arbitrary<unknown>][] = [
  [
    "SecurityGroupWrite",
    SecurityGroupWrite,
    fc
      .array(fc.oneof(rule, value), { maxLength: 3 })
      .chain((rules) => mutated({ name: "web", rules, sites: [] }, Object.keys(SecurityGroupWrite.properties))),
  ],
  [
    "PrefixListWrite",
    PrefixListWrite,
    fc
      .array(fc.oneof(prefix, value), { maxLength: 3 })
      .chain((prefixes) => mutated({ name: "pl", prefixes }, Object.keys(PrefixListWrite.properties))),
  ],
  ["SiteWrite", SiteWrite, mutated({ name: "s", platform: "nftables" }, Object.keys(SiteWrite.properties))],
  ["AgentReport", AgentReport, mutated({ revision: 1, status: "applied" }, Object.keys(AgentReport.properties))],
];

describe("the served schemas and the validator's structure", () => {
  it.each(bodies)("agree on random %s bodies", (name, schema, arbitrary) => {
    const validate = ajv.compile({ $ref: `${name}#` });
    let refused = 0;
    fc.assert(
      fc.property(arbitrary, (body) => {
        const c = new Checker();
        c.check(schema, body);
        const checkerAccepts = c.issues.length === 0;
        if (!checkerAccepts) refused++;
        if (validate(body) !== checkerAccepts) {
          throw new Error(
            `ajv ${checkerAccepts ? "refuses" : "accepts"} ${JSON.stringify(body)}: ${JSON.stringify(validate.errors ?? c.issues)}`,
          );
        }
      }),
      { numRuns: 1500 },
    );
    // Both sides were exercised.
    expect(refused).toBeGreaterThan(100);
    expect(refused).toBeLessThan(1500);
  });

  it("serves T | null as OpenAPI 3.0's nullable and nested declarations as references", () => {
    const group = toOpenApi(SecurityGroupWrite) as { properties: Record<string, unknown> };
    expect(group.properties.description).toEqual({
      type: "string",
      maxLength: 1024,
      description: "What the group is for.",
      default: null,
      nullable: true,
    });
    expect(group.properties.rules).toMatchObject({ type: "array", maxItems: 250, items: { $ref: "FilterRuleWrite#" } });
    expect(JSON.stringify(componentSchemas)).not.toContain('"anyOf"');
  });
});
