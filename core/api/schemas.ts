/**
 * The shape declarations of core/model/shapes as Fastify takes them: OpenAPI
 * 3.0 JSON Schema (`T | null` as `nullable: true`, a nested declaration as a
 * `$ref` to its component), added once with `app.addSchema`. The served
 * /openapi.json and the response serializer (fast-json-stringify) both read
 * these, so a response field the declaration lacks is dropped, never leaked.
 * Requests are checked by core/model's validator, which reads the same
 * declarations.
 */
import type { TSchema } from "@sinclair/typebox";
import {
  AgentAddresses,
  AgentConfig,
  AgentReport,
  ErrorResponse,
  FilterRule,
  FilterRuleWrite,
  Prefix,
  PrefixList,
  PrefixListWrite,
  PrefixWrite,
  ProtocolInfo,
  SecurityGroup,
  SecurityGroupWrite,
  ServiceInfo,
  Site,
  SiteCreated,
  SiteWrite,
  SyncError,
  PendingSite,
  IssueBody,
} from "../model";

export type JsonSchema = { [keyword: string]: unknown };

const NAMED: TSchema[] = [
  IssueBody,
  ErrorResponse,
  FilterRuleWrite,
  FilterRule,
  SyncError,
  PendingSite,
  SecurityGroupWrite,
  SecurityGroup,
  PrefixWrite,
  Prefix,
  PrefixListWrite,
  PrefixList,
  SiteWrite,
  Site,
  SiteCreated,
  ProtocolInfo,
  ServiceInfo,
  AgentAddresses,
  AgentConfig,
  AgentReport,
];

/** One declaration in OpenAPI 3.0 form; `nested` declarations with an $id become references. */
export function toOpenApi(schema: TSchema | JsonSchema, nested = false): JsonSchema {
  const s = schema as JsonSchema;
  if (nested && typeof s.$id === "string") return { $ref: `${s.$id}#` };
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(s)) {
    if (keyword === "properties") {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, toOpenApi(v, true)]));
    } else if (keyword === "items") out.items = toOpenApi(value as JsonSchema, true);
    else if (keyword !== "anyOf") out[keyword] = value;
  }
  if (!s.anyOf) return out;
  // OpenAPI 3.0 has no null type: `T | null` is T with `nullable: true`.
  const members = s.anyOf as JsonSchema[];
  const inner = members.filter((m) => m.type !== "null");
  if (members.length !== 2 || inner.length !== 1 || inner[0].$id !== undefined) {
    throw new Error(`schemas: only T | null of an unnamed T is supported, in ${JSON.stringify(s)}`);
  }
  return { ...toOpenApi(inner[0], true), ...out, nullable: true };
}

/** Every named shape, in OpenAPI form, for `app.addSchema`. */
export const componentSchemas: JsonSchema[] = NAMED.map((schema) => toOpenApi(schema));

/** A reference to a named shape, as route schemas use it. */
export function ref(schema: TSchema, description?: string): JsonSchema {
  if (!schema.$id) throw new Error("schemas: ref() needs a named shape");
  return { ...(description ? { description } : {}), $ref: `${schema.$id}#` };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Bad request: malformed JSON, query parameters or headers.",
  401: "Unauthorized: a valid Bearer token is required.",
  404: "Not found: no such resource in the caller's organization.",
  409: "Conflict: the resource is locked while it syncs, or still in use.",
  412: "Precondition failed: If-Match does not match the current version.",
  413: "Payload too large.",
  415: "Unsupported media type: send the body as application/json.",
  422: "Unprocessable: validation failed; `errors` lists every problem when there are several.",
  500: "Internal server error.",
  503: "Service unavailable: the database cannot be reached right now; retry after `Retry-After` seconds.",
};

/** Statuses every route may answer with, whatever it does (503: the database is down). */
const ALWAYS = [500, 503];

/**
 * A route's `response` schema: its successes plus the error statuses it can
 * answer with (each an ErrorResponse); `default` covers anything else (5xx).
 */
export function responses(success: Record<number, JsonSchema>, errorStatuses: number[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [status, schema] of Object.entries(success)) out[status] = schema;
  for (const status of [...errorStatuses, ...ALWAYS]) {
    const description = ERROR_DESCRIPTIONS[status];
    if (!description) throw new Error(`schemas: no description for status ${status}`);
    out[status] = ref(ErrorResponse, description);
  }
  out.default = ref(ErrorResponse, "Any other error.");
  return out;
}

/** A success without a body (204, 304). */
export function noBody(description: string): JsonSchema {
  return { type: "null", description };
}
