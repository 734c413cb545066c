/**
 * Request and response schemas, declared once and served as OpenAPI. Limits
 * come from core/model's LIMITS; the model's validator is what enforces them.
 */
import { ACTIONS, DIRECTIONS, idPattern, LIMITS, PLATFORMS, SITE_MODES } from "../model";

const nullableString = (maxLength: number) => ({ type: "string", maxLength, nullable: true });
const id = (kind: Parameters<typeof idPattern>[0]) => ({ type: "string", pattern: idPattern(kind) });
const timestamp = { type: "string", format: "date-time" };
const status = { type: "string", enum: ["active", "syncing", "failed"] };
const syncErrors = {
  type: "array",
  description: "Why the last deployment failed, per site; empty unless status is failed.",
  items: { type: "object", properties: { site: { type: "string" }, message: { type: "string" } } },
};

/** Read-only, beyond the seed: who has not applied the latest change, and why (core/deploy/status.ts). */
const pendingSites = {
  type: "array",
  description:
    "Attached sites that have not applied the latest change yet: applying (online; locks writes until it confirms or --sync-timeout passes), offline or never_connected (the revision is queued for them; no lock).",
  items: {
    type: "object",
    properties: {
      site: { type: "string" },
      reason: { type: "string", enum: ["applying", "offline", "never_connected"] },
      revision: { type: "integer" },
      applied_revision: { type: "integer", nullable: true },
      last_seen: { ...timestamp, nullable: true },
    },
  },
};

const ruleWrite = {
  type: "object",
  required: ["direction", "order", "protocol", "port", "address", "description"],
  properties: {
    direction: { type: "string", enum: DIRECTIONS },
    order: {
      type: "integer",
      minimum: LIMITS.order.min,
      maximum: LIMITS.order.max,
      description: "Processing order, unique within the group; lowest first.",
    },
    protocol: { type: "integer", minimum: 0, maximum: 255, description: "IP protocol number; 0 = all." },
    port: { type: "string", description: 'TCP/UDP only: "80", "1024-2048" or a comma list; "" for other protocols.' },
    address: { type: "string", description: "IPv4 CIDR (host bits zero) or a prefix list id (prfx_lst_...)." },
    description: { type: "string", minLength: 1, maxLength: LIMITS.ruleDescription },
    action: { type: "string", enum: ACTIONS, default: "accept", description: "Extension: what a match does." },
    icmp_type: { type: "integer", minimum: 0, maximum: 255, nullable: true, description: "Extension, ICMP only." },
    icmp_code: { type: "integer", minimum: 0, maximum: 255, nullable: true, description: "Extension, ICMP only; needs icmp_type." },
    log: { type: "boolean", default: false, description: "Extension: log matching packets." },
  },
};

export const schemas = {
  ErrorResponse: {
    type: "object",
    required: ["type", "code", "message", "doc_url"],
    properties: {
      type: { type: "string", example: "invalid_request_error" },
      code: { type: "string", example: "parameter_missing" },
      message: { type: "string" },
      doc_url: { type: "string" },
      errors: {
        type: "array",
        items: { type: "object", properties: { path: { type: "string" }, code: { type: "string" }, message: { type: "string" } } },
      },
    },
  },
  FilterRuleWrite: ruleWrite,
  FilterRule: { ...ruleWrite, properties: { id: id("rule"), ...ruleWrite.properties } },
  SecurityGroupWrite: {
    type: "object",
    required: ["name", "rules", "sites"],
    properties: {
      name: { type: "string", minLength: LIMITS.groupName.min, maxLength: LIMITS.groupName.max },
      description: nullableString(LIMITS.groupDescription),
      rules: { type: "array", maxItems: LIMITS.rules, items: { $ref: "FilterRuleWrite#" } },
      sites: { type: "array", items: id("site") },
    },
  },
  SecurityGroup: {
    type: "object",
    properties: {
      id: id("securityGroup"),
      name: { type: "string" },
      description: { type: "string", nullable: true },
      status,
      sites: { type: "array", items: id("site") },
      rules: { type: "array", items: { $ref: "FilterRule#" } },
      sync_errors: syncErrors,
      pending_sites: pendingSites,
      created_at: timestamp,
      updated_at: timestamp,
    },
  },
  PrefixListWrite: {
    type: "object",
    required: ["name", "prefixes"],
    properties: {
      name: { type: "string", minLength: LIMITS.prefixListName.min, maxLength: LIMITS.prefixListName.max },
      description: nullableString(LIMITS.prefixListDescription),
      prefixes: {
        type: "array",
        maxItems: LIMITS.prefixes,
        items: {
          type: "object",
          required: ["cidr"],
          properties: { cidr: { type: "string" }, description: nullableString(LIMITS.prefixDescription) },
        },
      },
      sites: { type: "array", items: id("site") },
    },
  },
  PrefixList: {
    type: "object",
    properties: {
      id: id("prefixList"),
      name: { type: "string" },
      description: { type: "string", nullable: true },
      status,
      prefixes: {
        type: "array",
        items: {
          type: "object",
          properties: { id: id("prefix"), cidr: { type: "string" }, description: { type: "string", nullable: true } },
        },
      },
      sites: { type: "array", items: id("site") },
      sync_errors: syncErrors,
      pending_sites: pendingSites,
      created_at: timestamp,
      updated_at: timestamp,
    },
  },
  SiteWrite: {
    type: "object",
    required: ["name", "platform"],
    properties: {
      name: { type: "string", minLength: LIMITS.siteName.min, maxLength: LIMITS.siteName.max },
      platform: { type: "string", enum: PLATFORMS },
      mode: { type: "string", enum: SITE_MODES, default: "host", description: "router: filter the forward path as well." },
    },
  },
  Site: {
    type: "object",
    properties: {
      id: id("site"),
      name: { type: "string" },
      platform: { type: "string", enum: PLATFORMS },
      mode: { type: "string", enum: SITE_MODES },
      token: { type: "string", description: "The agent's token; only in the response that created the site." },
      desired_revision: { type: "integer" },
      applied_revision: { type: "integer", nullable: true },
      last_seen: { ...timestamp, nullable: true },
      online: { type: "boolean" },
      drift: { type: "boolean" },
      last_error: { type: "string", nullable: true },
      created_at: timestamp,
    },
  },
} as const;

export const errorResponses = Object.fromEntries(
  [400, 401, 404, 409, 412, 413, 422, 500].map((code) => [code, { $ref: "ErrorResponse#" }]),
);
