/**
 * What the dynamic providers do, per resource kind. This module is loaded by
 * path at call time (see provider.ts), so nothing here is serialized into
 * Pulumi state: only the tiny provider closure is. What differs per kind
 * (API path, validator, canonical form, outputs) is in kinds.ts.
 */
import { ID_PREFIX, isId, type SyncError, type ValidationIssue } from "../../core/model";
import { ApiClient, SecgroupsApiError, stillSyncing, type ClientSettings, type SyncedResource } from "./client";
import { applying, describeErrors, describePending, ProgressLog } from "./progress";
import { specOf, type KindSpec, type ResourceKind } from "./kinds";

export { specOf, type ResourceKind } from "./kinds";

/** The engine's marker for a value not known until apply (sdk rpc.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Provider options that are resource args but not API fields. */
export const OPTION_FIELDS = ["waitForSync", "syncTimeout", "adopt"] as const;
export const DEFAULT_SYNC_TIMEOUT_SECONDS = 300;

type Props = Record<string, unknown>;

export interface CheckFailure {
  property: string;
  reason: string;
}

// ---------------------------------------------------------------- settings

export interface ProviderConfig {
  endpoint?: string;
  token?: string;
  waitForSync?: boolean;
  syncTimeout?: number;
}

let configured: ProviderConfig = {};

/** Stack config, from the engine's Configure call (`secgroups:*` keys). Kept in memory only. */
export function configure(config: { get(key: string): string | undefined }): void {
  const wait = config.get("secgroups:waitForSync");
  const timeout = config.get("secgroups:syncTimeout");
  configured = {
    endpoint: nonEmpty(config.get("secgroups:endpoint")),
    token: nonEmpty(config.get("secgroups:token")),
    waitForSync: wait === undefined ? undefined : wait !== "false",
    syncTimeout: timeout === undefined || !Number.isFinite(Number(timeout)) ? undefined : Number(timeout),
  };
}

/** Overrides for tests (sleep, backoff); merged into every client. */
let clientOverrides: Partial<ClientSettings> = {};
export function setClientOverrides(overrides: Partial<ClientSettings>): void {
  clientOverrides = overrides;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Endpoint and token from stack config (the engine's, or a program's own for
 * the look-ups), else SECGROUPS_ENDPOINT / SECGROUPS_TOKEN; the fix in the
 * message when one is missing.
 */
export function clientSettings(config: Pick<ProviderConfig, "endpoint" | "token"> = configured): ClientSettings {
  const endpoint = nonEmpty(config.endpoint) ?? nonEmpty(process.env.SECGROUPS_ENDPOINT);
  const token = nonEmpty(config.token) ?? nonEmpty(process.env.SECGROUPS_TOKEN);
  if (!endpoint) {
    throw new Error("secgroups: no API endpoint; run `pulumi config set secgroups:endpoint https://HOST:PORT` or set SECGROUPS_ENDPOINT");
  }
  if (!token) {
    throw new Error("secgroups: no API token; run `pulumi config set --secret secgroups:token <JWT>` or set SECGROUPS_TOKEN");
  }
  return { endpoint, token, ...clientOverrides };
}

// ---------------------------------------------------------------- unknowns

function unknownPaths(value: unknown, path = "", out: string[] = []): string[] {
  if (value === UNKNOWN) out.push(path);
  else if (Array.isArray(value)) value.forEach((v, i) => unknownPaths(v, `${path}[${i}]`, out));
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) unknownPaths(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

/** Whether an issue at `path` may be caused by a value not known yet (it or an ancestor or descendant is unknown). */
function causedByUnknown(path: string, unknown: string[]): boolean {
  return unknown.some(
    (u) => u === path || path.startsWith(u + ".") || path.startsWith(u + "[") || u.startsWith(path + ".") || u.startsWith(path + "["),
  );
}

/** Rules whose own fields are unknown may fail checks that involve their siblings (port vs protocol). */
function ruleOf(path: string): string | undefined {
  return /^rules\[\d+\]/.exec(path)?.[0];
}

// ---------------------------------------------------------------- check / diff

const ID_KIND = { securityGroup: "securityGroup", prefixList: "prefixList", site: "site" } as const;

function splitOptions(kind: ResourceKind, news: Props): { body: Props; options: Props; failures: CheckFailure[] } {
  const body: Props = {};
  const options: Props = {};
  const failures: CheckFailure[] = [];
  for (const [k, v] of Object.entries(news)) {
    if (k === "__provider") continue;
    if ((OPTION_FIELDS as readonly string[]).includes(k)) {
      if (v === undefined || v === null) continue;
      options[k] = v;
      if (v === UNKNOWN) continue;
      if (k === "waitForSync" && typeof v !== "boolean")
        failures.push({ property: k, reason: `must be true or false, got ${JSON.stringify(v)}` });
      if (k === "syncTimeout" && (typeof v !== "number" || !(v > 0))) {
        failures.push({ property: k, reason: `must be a positive number of seconds, got ${JSON.stringify(v)}` });
      }
      if (k === "adopt" && !isId(ID_KIND[kind], v)) {
        failures.push({
          property: k,
          reason: `must be the id of an existing ${specOf(kind).noun} (${ID_PREFIX[ID_KIND[kind]]}...), got ${JSON.stringify(v)}`,
        });
      }
    } else if (v !== undefined) body[k] = v;
  }
  return { body, options, failures };
}

/** Engine property path of an API field path: `rules[2].port` is already one; "" (the body) has none. */
export function failureOf(issue: ValidationIssue): CheckFailure {
  const prefix = `${issue.path || "body"}: `;
  const reason = issue.message.startsWith(prefix) ? issue.message.slice(prefix.length) : issue.message;
  return { property: issue.path, reason };
}

/**
 * Validates with core/model's validator (the API's own), reporting failures per
 * property. Issues that may come from values unknown during preview are not
 * failures: they are checked again when the values are known. Returns the
 * normalized inputs (ports normalized, rules sorted by order, defaults filled)
 * so that state never differs from what the API returns.
 */
export function check(kind: ResourceKind, news: Props): { inputs: Props; failures: CheckFailure[] } {
  const spec = specOf(kind);
  const { body, options, failures } = splitOptions(kind, news);
  const unknown = unknownPaths(body);
  const result = spec.validate(body);
  if (result.ok) {
    return { inputs: { ...spec.canonical(result.value), ...options }, failures };
  }
  const unknownRules = new Set(unknown.map(ruleOf).filter((r): r is string => r !== undefined));
  for (const issue of result.issues) {
    if (causedByUnknown(issue.path, unknown)) continue;
    const rule = ruleOf(issue.path);
    if (rule && unknownRules.has(rule)) continue;
    failures.push(failureOf(issue));
  }
  // Not normalizable yet (unknowns): pass the inputs through as written.
  return { inputs: { ...body, ...options }, failures };
}

/** `id`: the resource's, so that a rule spelling the group's own id and one saying `self` compare equal. */
export function diff(
  kind: ResourceKind,
  olds: Props,
  news: Props,
  id?: string,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const spec = specOf(kind);
  const wanted = spec.canonical(news, id);
  // Everything the API accepts is updated in place (PUT), so nothing is ever replaced.
  const changes = unknownPaths(wanted).length > 0 || JSON.stringify(spec.canonical(olds, id)) !== JSON.stringify(wanted);
  return { changes, replaces: [], deleteBeforeReplace: false };
}

/** Field paths that differ between two canonical forms, rules keyed by their order: for messages and tests. `id` as in diff(). */
export function changedFields(kind: ResourceKind, olds: Props, news: Props, id?: string): string[] {
  const spec = specOf(kind);
  const a = spec.canonical(olds, id);
  const b = spec.canonical(news, id);
  const out: string[] = [];
  for (const key of Object.keys(b)) {
    if (key === "rules" && Array.isArray(a.rules) && Array.isArray(b.rules)) {
      const before = new Map((a.rules as Props[]).map((r) => [r.order, r]));
      const after = new Map((b.rules as Props[]).map((r) => [r.order, r]));
      for (const [order, rule] of after) {
        const old = before.get(order);
        if (!old) out.push(`rules[order=${order}]`);
        else
          for (const f of Object.keys(rule)) if (JSON.stringify(rule[f]) !== JSON.stringify(old[f])) out.push(`rules[order=${order}].${f}`);
      }
      for (const order of before.keys()) if (!after.has(order)) out.push(`rules[order=${order}]`);
    } else if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out.push(key);
  }
  return out;
}

// ---------------------------------------------------------------- CRUD

/** An error the dynamic provider reports as "created (or updated) but not ready": Pulumi keeps the id and outputs in state. */
export class ResourceInitError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Props,
    readonly reasons: string[],
  ) {
    super(message);
    this.name = "ResourceInitError";
  }
}

function optionsOf(props: Props): { wait: boolean; timeoutMs: number } {
  const wait = typeof props.waitForSync === "boolean" ? props.waitForSync : (configured.waitForSync ?? true);
  const seconds = typeof props.syncTimeout === "number" ? props.syncTimeout : (configured.syncTimeout ?? DEFAULT_SYNC_TIMEOUT_SECONDS);
  return { wait, timeoutMs: seconds * 1000 };
}

function keepOptions(props: Props): Props {
  const out: Props = {};
  for (const k of OPTION_FIELDS) if (props[k] !== undefined && props[k] !== null) out[k] = props[k];
  return out;
}

/** The body to send: canonical API fields only (never provider options, never outputs). */
function writeBody(spec: KindSpec, inputs: Props): Props {
  return spec.canonical(inputs);
}

async function settle(
  client: ApiClient,
  spec: KindSpec,
  resource: Props & SyncedResource,
  inputs: Props,
  previous: Props,
  verb: string,
): Promise<Props> {
  const { wait, timeoutMs } = optionsOf(inputs);
  const progress = progressOf(client, spec, resource.id);
  const names = new Map<string, string>();
  let current = resource;
  if (spec.synced && wait) {
    current = await client.waitWhileSyncing(`${spec.path}/${resource.id}`, resource, Date.now() + timeoutMs, async (r) => {
      const waiting = r.pending_sites ?? [];
      if (!waiting.length || !progress.due()) return;
      await learnSiteNames(client, waiting, names);
      progress.tick(`waiting for ${describePending(waiting, names)}`);
    });
  }
  const outs = { ...spec.outputs(current, previous), ...keepOptions(inputs) };
  if (!spec.synced) return outs;
  const pending = current.pending_sites ?? [];
  if (current.status === "failed") {
    const errors = (current.sync_errors ?? []) as SyncError[];
    await learnSiteNames(client, [...errors, ...pending], names);
    const message =
      `${spec.noun} ${resource.id} was ${verb} but failed to sync to ${errors.length} site(s): ${describeErrors(errors, names)}` +
      `${pending.length ? `; still pending: ${describePending(pending, names)}` : ""}. ` +
      `Fix the sites (agent running? platform right?) and run \`pulumi up\` again.`;
    // The engine shows an init failure's reasons, not its message.
    throw new ResourceInitError(message, resource.id, outs, [message]);
  }
  if (wait && stillSyncing(current)) {
    await learnSiteNames(client, pending, names);
    const what = pending.length
      ? describePending(pending, names)
      : `its sites (${(current.sites as string[] | undefined)?.join(", ") ?? ""})`;
    // Sites that never connected or are offline do not lock the resource: their revision is queued.
    const queuedOnly = pending.length > 0 && !applying(pending).length;
    const message =
      `${spec.noun} ${resource.id} was ${verb} but is still syncing after ${timeoutMs / 1000}s; waiting for ${what}. ` +
      (queuedOnly
        ? `Its revision is queued for them (they do not lock it); start their agents (secgroups agent --site-token ...) and run \`pulumi up\` again, or set waitForSync: false.`
        : `Check those sites' agents (secgroups agent --site-token ...), or raise syncTimeout / set waitForSync: false.`);
    throw new ResourceInitError(message, resource.id, outs, [message]);
  }
  return outs;
}

function progressOf(client: ApiClient, spec: KindSpec, id: string): ProgressLog {
  return new ProgressLog(`secgroups ${spec.noun} ${id}`, client.log);
}

/** Fills in the names of these sites (one GET each, once per wait); ids stay as they are when a read fails. */
async function learnSiteNames(client: ApiClient, sites: readonly { site: string }[], names: Map<string, string>): Promise<void> {
  for (const { site } of sites) {
    if (names.has(site)) continue;
    const found = await client.get<Props>(`/vpc/sites/${site}`).catch(() => undefined);
    names.set(site, typeof found?.body.name === "string" ? found.body.name : "");
  }
}

/** Rewrites a 422 so each field path also names the rule's order (paths index the sorted rules we sent). */
function explain(err: unknown, body: Props): unknown {
  if (!(err instanceof SecgroupsApiError) || err.status !== 422 || !Array.isArray(body.rules)) return err;
  const rules = body.rules as Props[];
  err.message = err.message.replace(/rules\[(\d+)\](\.\w+)?/g, (m, i: string) =>
    rules[Number(i)] ? `${m} (the rule with order ${String(rules[Number(i)].order)})` : m,
  );
  return err;
}

export async function create(kind: ResourceKind, inputs: Props): Promise<{ id: string; outs: Props }> {
  const spec = specOf(kind);
  const client = new ApiClient(clientSettings());
  const body = writeBody(spec, inputs);
  const adopt = typeof inputs.adopt === "string" ? inputs.adopt : undefined;
  let created: Props & SyncedResource;
  try {
    // Adopting takes an existing resource over with a full replacement instead of creating a copy.
    created = adopt
      ? (
          await client.replace<Props & SyncedResource>(
            `${spec.path}/${adopt}`,
            body,
            Date.now() + optionsOf(inputs).timeoutMs,
            locked(client, spec, adopt),
          )
        ).body
      : await client.create<Props & SyncedResource>(spec.path, body);
  } catch (err) {
    throw explain(err, body);
  }
  const outs = await settle(client, spec, created, inputs, {}, adopt ? "adopted" : "created");
  return { id: created.id, outs };
}

export async function read(kind: ResourceKind, id: string, props: Props): Promise<{ id?: string; props?: Props; inputs?: Props }> {
  const spec = specOf(kind);
  const client = new ApiClient(clientSettings());
  const fetched = await client.get<Props>(`${spec.path}/${id}`);
  // Gone: an empty result tells the engine to drop it from state.
  if (!fetched) return {};
  const outs = { ...spec.outputs(fetched.body, props), ...keepOptions(props) };
  return { id, props: outs, inputs: { ...spec.canonical(fetched.body, id), ...keepOptions(props) } };
}

export async function update(kind: ResourceKind, id: string, olds: Props, news: Props): Promise<{ outs: Props }> {
  const spec = specOf(kind);
  const client = new ApiClient(clientSettings());
  const body = writeBody(spec, news);
  const { timeoutMs } = optionsOf(news);
  let updated: Props & SyncedResource;
  try {
    updated = (await client.replace<Props & SyncedResource>(`${spec.path}/${id}`, body, Date.now() + timeoutMs, locked(client, spec, id)))
      .body;
  } catch (err) {
    throw explain(err, body);
  }
  return { outs: await settle(client, spec, updated, news, olds, "updated") };
}

export async function remove(kind: ResourceKind, id: string, props: Props): Promise<void> {
  const spec = specOf(kind);
  const client = new ApiClient(clientSettings());
  await client.remove(`${spec.path}/${id}`, Date.now() + optionsOf(props).timeoutMs, locked(client, spec, id));
}

/** Says (at most every ~10 s) why a write is refused with 409 and retried: the API's message names the sites. */
function locked(client: ApiClient, spec: KindSpec, id: string): (message: string) => void {
  const progress = progressOf(client, spec, id);
  return (message) => progress.tick(`locked, retrying: ${message}`);
}
