/**
 * Every error code the API can answer with, in one table: status, type, a
 * title, what it means and how to fix it. ApiError takes its status and type
 * from here, `doc_url` points at the page the core renders from the same entry
 * (`/docs/errors/{code}`), and the README lists the codes. A code that is not
 * in this table does not type-check (`ErrorCode`), so none can be emitted
 * without a page. To add one: one entry below.
 */

import { ORGANIZATION_RULE } from "./organization";

import type { ErrorType } from "./shapes/error";

export interface ErrorCodeEntry {
  readonly status: number;
  readonly type: ErrorType;
  /** One line: what happened. */
  readonly title: string;
  /** Why the API answers this, in a sentence or two. */
  readonly explanation: string;
  /** What the caller can do about it. */
  readonly fix: string;
}

const catalog = {
  // ---------------------------------------------------------------- 400: the request itself is malformed
  malformed_json: {
    status: 400,
    type: "invalid_request_error",
    title: "The request body is not valid JSON",
    explanation: "Write routes take one JSON object as the body. The body could not be parsed, or it was empty.",
    fix: "Send a JSON object with Content-Type: application/json; check quoting and trailing commas.",
  },
  invalid_url: {
    status: 400,
    type: "invalid_request_error",
    title: "The URL path is not valid",
    explanation: "The path contains a percent-escape that is not valid UTF-8, so it cannot name any resource.",
    fix: "Percent-encode the path as UTF-8 (ids never need escaping).",
  },
  malformed_http: {
    status: 400,
    type: "invalid_request_error",
    title: "The request is not valid HTTP/1.1",
    explanation: "Node's HTTP parser refused the request line or a header before any route saw it.",
    fix: "Use an HTTP client library; check for raw control characters in headers.",
  },
  invalid_content_length: {
    status: 400,
    type: "invalid_request_error",
    title: "Content-Length does not match the body",
    explanation: "The Content-Length header announced a different number of bytes than were sent.",
    fix: "Let the HTTP client compute Content-Length.",
  },
  invalid_limit: {
    status: 400,
    type: "invalid_request_error",
    title: "The limit query parameter is out of range",
    explanation: "List routes take ?limit= as an integer from 1 to 100 (default 50).",
    fix: "Pass an integer from 1 to 100, or leave limit out.",
  },
  invalid_cursor: {
    status: 400,
    type: "invalid_request_error",
    title: "The cursor query parameter is not one this API issued",
    explanation: "Cursors are opaque: take them from the X-Next-Cursor header of the previous page, unchanged.",
    fix: "Start again without a cursor and follow X-Next-Cursor.",
  },
  invalid_wait: {
    status: 400,
    type: "invalid_request_error",
    title: "The wait query parameter is out of range",
    explanation: "An agent's config poll may be held open for 0 to 60 seconds (?wait=N, whole seconds).",
    fix: "Pass an integer from 0 to 60.",
  },
  wrong_platform: {
    status: 400,
    type: "invalid_request_error",
    title: "This site is not a RouterOS site",
    explanation: "The RouterOS script is served only to sites whose platform is routeros.",
    fix: "Use the agent (secgroups agent) for nftables and iptables sites, or change the site's platform.",
  },
  invalid_idempotency_key: {
    status: 400,
    type: "invalid_request_error",
    title: "The Idempotency-Key header is not valid",
    explanation: "Idempotency keys are 1-255 visible ASCII characters.",
    fix: "Use a UUID or another ASCII token as the key.",
  },
  bad_request: {
    status: 400,
    type: "invalid_request_error",
    title: "The request was refused",
    explanation: "The HTTP layer refused the request for a reason no more specific code covers; the message says which.",
    fix: "Read the message; fix the request it names.",
  },
  // ---------------------------------------------------------------- 401
  unauthorized: {
    status: 401,
    type: "authentication_error",
    title: "A valid token is required",
    explanation:
      "Management routes take a Bearer JWT (HS256 with the server's secret, or RS256/ES256/EdDSA from --jwks-url) that has not expired and names the organization in its org claim; agent routes take the site's token (sgs_...). The message says what was wrong with the token: its signature, its algorithm, its expiry, or which claim is missing or malformed.",
    fix: `Send Authorization: Bearer <token>; mint one with \`secgroups token --org ORG\` or from your identity provider. Claims: exp (required), nbf and iat are finite numbers of seconds; the organization claim is ${ORGANIZATION_RULE}.`,
  },
  // ---------------------------------------------------------------- 404
  resource_not_found: {
    status: 404,
    type: "not_found_error",
    title: "No such resource",
    explanation: "The id does not exist in the caller's organization. Another organization's ids are not found either.",
    fix: "Check the id (list the collection to find it) and the token's organization.",
  },
  route_not_found: {
    status: 404,
    type: "not_found_error",
    title: "No such route",
    explanation: "No route has this method and path. The routes are listed in /openapi.json.",
    fix: "Check the path (e.g. /vpc/security-groups) and the method.",
  },
  // ---------------------------------------------------------------- 408, 409, 412, 413, 415
  request_timeout: {
    status: 408,
    type: "invalid_request_error",
    title: "The request was not received in time",
    explanation: "The client did not send the whole request before the server's request timeout.",
    fix: "Retry; send the body without pauses.",
  },
  resource_syncing: {
    status: 409,
    type: "conflict_error",
    title: "The resource is syncing to its sites",
    explanation:
      "A change to a group or prefix list locks it until every affected online site's agent confirms the new revision (or --sync-timeout passes). Sites that never connected or are offline do not lock: their revision queues.",
    fix: "Retry after the Retry-After header's seconds; the message and the resource's pending_sites name the sites it waits for.",
  },
  prefix_list_in_use: {
    status: 409,
    type: "conflict_error",
    title: "The prefix list is still referenced",
    explanation: "Security group rules reference this prefix list; deleting it would leave them dangling.",
    fix: "Remove or change the rules the message names, then delete the list.",
  },
  security_group_in_use: {
    status: 409,
    type: "conflict_error",
    title: "The security group is still referenced",
    explanation:
      "Rules of other security groups name this group as their peer (address sec_grp_...); deleting it would leave them dangling. A group's references to itself do not count.",
    fix: "Remove or change the rules of the groups the message names, then delete the group.",
  },
  site_in_use: {
    status: 409,
    type: "conflict_error",
    title: "The site is still attached",
    explanation: "Security groups or prefix lists are attached to this site.",
    fix: "Detach the site from the resources the message names, then delete it.",
  },
  precondition_failed: {
    status: 412,
    type: "conflict_error",
    title: "If-Match does not match",
    explanation: "The resource changed since the ETag in If-Match was read.",
    fix: "GET the resource again, reapply the change, and send the new ETag.",
  },
  payload_too_large: {
    status: 413,
    type: "invalid_request_error",
    title: "The request body is too large",
    explanation: "Bodies are limited to 1 MiB.",
    fix: "Split the change (e.g. several prefix lists) or remove what is not needed.",
  },
  unsupported_media_type: {
    status: 415,
    type: "invalid_request_error",
    title: "The body is not JSON",
    explanation: "Write routes accept application/json only.",
    fix: "Send Content-Type: application/json.",
  },
  // ---------------------------------------------------------------- 422: the body parses but is not valid
  parameter_invalid: {
    status: 422,
    type: "invalid_request_error",
    title: "A field has the wrong type or form",
    explanation: "A field is present but is not of the type or form the contract requires; the message names the field path.",
    fix: "Fix the field the path names (e.g. rules[2].protocol must be an integer from 0 to 255).",
  },
  parameter_missing: {
    status: 422,
    type: "invalid_request_error",
    title: "A required field is missing",
    explanation: "The field the path names is required.",
    fix: 'Add the field; for rules without ports use port "".',
  },
  parameter_unknown: {
    status: 422,
    type: "invalid_request_error",
    title: "An unknown field",
    explanation:
      "Bodies may contain only the contract's fields, so a misspelt field is not silently ignored. Read-only fields echoed from a GET are ignored.",
    fix: "Remove or correct the field; the message lists the known ones.",
  },
  value_too_short: {
    status: 422,
    type: "invalid_request_error",
    title: "A text field is too short",
    explanation: "Lengths count characters (code points), e.g. group names are 3-255 characters.",
    fix: "Lengthen the value to the minimum the message gives.",
  },
  value_too_long: {
    status: 422,
    type: "invalid_request_error",
    title: "A text field is too long",
    explanation: "Lengths count characters (code points), e.g. descriptions are at most 1024 characters.",
    fix: "Shorten the value to the maximum the message gives.",
  },
  value_out_of_range: {
    status: 422,
    type: "invalid_request_error",
    title: "A number is out of range",
    explanation: "A numeric field is outside its range (e.g. order 1-250).",
    fix: "Use a value within the range the message gives.",
  },
  too_many_items: {
    status: 422,
    type: "invalid_request_error",
    title: "A list has too many items",
    explanation: "Groups hold at most 250 rules, prefix lists at most 500 prefixes.",
    fix: "Split the resource into several.",
  },
  duplicate_value: {
    status: 422,
    type: "invalid_request_error",
    title: "A value is listed twice",
    explanation: "Sites and prefixes may appear only once in a list.",
    fix: "Remove the duplicate the message points at.",
  },
  duplicate_order: {
    status: 422,
    type: "invalid_request_error",
    title: "Two rules have the same order",
    explanation: "Rules are evaluated in ascending order, so orders must be unique within a group.",
    fix: "Give each rule its own order (1-250).",
  },
  invalid_cidr: {
    status: 422,
    type: "invalid_request_error",
    title: "An address is not a valid CIDR",
    explanation:
      "Addresses are IPv4 or IPv6 CIDRs with zero host bits, or prefix list ids. IPv6 CIDRs take no zone id (%eth0) and may not be IPv4-mapped (::ffff:0:0/96).",
    fix: "Use the network address the message suggests (10.0.0.5/24 -> 10.0.0.0/24, 2001:db8::1/64 -> 2001:db8::/64); write an IPv4-mapped address as its IPv4 CIDR.",
  },
  invalid_port: {
    status: 422,
    type: "invalid_request_error",
    title: "A port is not valid",
    explanation: "Ports are 1-65535: a port, a range (1024-2048) or a comma list of those, for TCP and UDP only.",
    fix: 'Fix the port the message names; use "1-65535" for all ports.',
  },
  reference_not_found: {
    status: 422,
    type: "invalid_request_error",
    title: "A referenced prefix list, security group or site does not exist",
    explanation: "References resolve in the caller's organization only.",
    fix: "Create the prefix list, security group or site first, or correct the id.",
  },
  idempotency_key_reused: {
    status: 422,
    type: "invalid_request_error",
    title: "The Idempotency-Key was used for another request",
    explanation: "A key replays its first response only for the same route and body.",
    fix: "Use a new key for a new request.",
  },
  unknown_revision: {
    status: 422,
    type: "invalid_request_error",
    title: "The agent reported a revision never issued to its site",
    explanation: "Agents report the revisions they received from /agent/v1/config.",
    fix: "Restart the agent; it reads the current revision again.",
  },
  // ---------------------------------------------------------------- 431, 500, 503
  headers_too_large: {
    status: 431,
    type: "invalid_request_error",
    title: "The request headers are too large",
    explanation: "The request line and headers together are limited to 16 KiB.",
    fix: "Send fewer or shorter headers (a token over a few KiB is unusual).",
  },
  internal_error: {
    status: 500,
    type: "api_error",
    title: "An unexpected error occurred on the server",
    explanation: "The server failed in a way it did not expect; details are in its log, not in the response.",
    fix: "Retry later; if it persists, report it with the X-Request-Id response header.",
  },
  database_unavailable: {
    status: 503,
    type: "api_error",
    title: "The database is unavailable",
    explanation:
      "The control plane cannot reach its database right now (a restart, an outage, a lost connection). Nothing was changed by this request unless it was a write whose commit was cut off; sites keep enforcing what they have.",
    fix: "Retry after the number of seconds in the Retry-After header; a retried write with the same Idempotency-Key is safe. GET /readyz says when the database answers again.",
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof catalog;

/** The table, code -> entry (in the order above: by status). */
export const ERROR_CODES: Readonly<Record<ErrorCode, ErrorCodeEntry>> = catalog;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(catalog, code);
}

/** Codes with this status, so a factory like `badRequest` only takes 400 codes. */
export type ErrorCodeWithStatus<S extends number> = { [C in ErrorCode]: (typeof catalog)[C]["status"] extends S ? C : never }[ErrorCode];

/** Path of a code's page on the core (`/docs/errors/{code}`); `doc_url` is this under the server's public URL. */
export function errorDocPath(code: ErrorCode): string {
  return `/docs/errors/${code}`;
}
