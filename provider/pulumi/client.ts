/**
 * The provider's HTTP client of the secgroups API: retries with backoff,
 * Idempotency-Key on create, If-Match on update, waiting for `syncing` to end.
 * Built per provider call (axios instances hold sockets, which must never be
 * captured by the serialized provider closure). The Terraform provider's client
 * (provider/terraform/internal/provider/http.go) behaves the same.
 *
 * Proxies come from the environment as for the Terraform provider: HTTPS_PROXY
 * for an https endpoint (a CONNECT tunnel, so TLS stays end to end), HTTP_PROXY
 * for an http one, NO_PROXY (host names, `.domain` suffixes, CIDRs, `*`); an
 * endpoint on a loopback address or `localhost` is never proxied.
 */
import { randomUUID } from "node:crypto";
import { Agent as HttpsAgent, type AgentOptions } from "node:https";
import { isIP } from "node:net";
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import type { ErrorResponse, IssueBody, PendingSite, SyncError } from "../../core/model";

export interface ClientSettings {
  endpoint: string;
  token: string;
  /** Per-request timeout in ms. */
  requestTimeoutMs?: number;
  /** Attempts for transient failures (network errors, 429, 5xx) of one request. */
  maxAttempts?: number;
  /** First backoff in ms; doubles per attempt, with jitter. */
  backoffMs?: number;
  /** Upper bound of one wait, in ms (also caps Retry-After). */
  maxBackoffMs?: number;
  /** Injected sleep (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Items per page of a list (the API's `limit`, 1-100; default 100). */
  pageSize?: number;
  /** Where progress lines go (tests); stderr by default, see progress.ts. */
  log?: (line: string) => void;
  /** TLS and connection options of https requests (tests: a private CA, name resolution). */
  httpsAgentOptions?: AgentOptions;
}

/** `localhost`, 127.0.0.0/8 and ::1: the endpoints no proxy applies to (as in Go's net/http). */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return false;
  }
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(host);
  return false;
}

/** An error answer of the API, with its ErrorResponse when there was one. */
export class SecgroupsApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse | undefined,
    readonly request: string,
  ) {
    super(describeApiError(status, body, request));
    this.name = "SecgroupsApiError";
  }

  /** Every validation problem (422), one per field path. */
  get issues(): IssueBody[] {
    if (this.status !== 422 || !this.body) return [];
    if (this.body.errors?.length) return this.body.errors;
    return [{ path: "", code: this.body.code, message: this.body.message }];
  }
}

function describeApiError(status: number, body: ErrorResponse | undefined, request: string): string {
  if (!body) return `${request} failed with HTTP ${status}`;
  const details = body.errors && body.errors.length > 1 ? body.errors.map((e) => `\n  - ${e.message}`).join("") : "";
  return `${request} failed with HTTP ${status} (${body.code}): ${body.message}${details}\n  see ${body.doc_url}`;
}

export interface Fetched<T> {
  body: T;
  etag: string | undefined;
}

export interface SyncedResource {
  id: string;
  status?: "active" | "syncing" | "failed";
  sync_errors?: SyncError[];
  pending_sites?: PendingSite[];
}

/**
 * Whether a write still waits: while `syncing`, for every pending site, also
 * one whose agent has not connected yet (a stack often starts its agents
 * while `up` runs); progress lines say which sites and why.
 */
export function stillSyncing(r: SyncedResource): boolean {
  return r.status === "syncing";
}

const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ECONNABORTED", "ERR_SOCKET_CONNECTION_TIMEOUT"]);

export class ApiClient {
  private readonly http: AxiosInstance;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly pageSize: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: ((line: string) => void) | undefined;

  constructor(settings: ClientSettings) {
    this.http = axios.create({
      baseURL: settings.endpoint.replace(/\/+$/, ""),
      timeout: settings.requestTimeoutMs ?? 30_000,
      headers: { Authorization: `Bearer ${settings.token}`, Accept: "application/json" },
      // Every status is an answer to interpret here, not an exception.
      validateStatus: () => true,
      // undefined: axios takes the proxy from HTTPS_PROXY/HTTP_PROXY and NO_PROXY.
      proxy: isLoopbackEndpoint(settings.endpoint) ? false : undefined,
      ...(settings.httpsAgentOptions ? { httpsAgent: new HttpsAgent(settings.httpsAgentOptions) } : {}),
    });
    this.maxAttempts = settings.maxAttempts ?? 5;
    this.backoffMs = settings.backoffMs ?? 250;
    this.maxBackoffMs = settings.maxBackoffMs ?? 5_000;
    this.pageSize = settings.pageSize ?? 100;
    this.log = settings.log;
    this.sleep = settings.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** POST with one Idempotency-Key for every attempt, so a retry after a lost response creates nothing twice. */
  async create<T>(path: string, body: unknown): Promise<T> {
    const key = randomUUID();
    const response = await this.send<T>("POST", path, { data: body, headers: { "Idempotency-Key": key } });
    if (response.status !== 201 && response.status !== 200) throw toApiError(response, `POST ${path}`);
    return response.data;
  }

  /** GET one resource; undefined when it no longer exists. */
  async get<T>(path: string): Promise<Fetched<T> | undefined> {
    const response = await this.send<T>("GET", path);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw toApiError(response, `GET ${path}`);
    return { body: response.data, etag: header(response, "etag") };
  }

  /** Every item of a list route, following X-Next-Cursor. */
  async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const response = await this.send<T[]>("GET", path, { params: { limit: this.pageSize, ...(cursor ? { cursor } : {}) } });
      if (response.status !== 200) throw toApiError(response, `GET ${path}`);
      items.push(...response.data);
      cursor = header(response, "x-next-cursor");
    } while (cursor);
    return items;
  }

  /**
   * PUT with If-Match from a fresh GET. A 409 while the resource is syncing is
   * retried after Retry-After until `deadline`; a 412 (changed between our GET
   * and PUT) reads again and retries.
   */
  async replace<T>(path: string, body: unknown, deadline: number, onConflict?: (message: string) => void): Promise<Fetched<T>> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get<T>(path);
      if (!current) throw new SecgroupsApiError(404, undefined, `PUT ${path}: the resource no longer exists (run \`pulumi refresh\`)`);
      const response = await this.send<T>("PUT", path, { data: body, headers: current.etag ? { "If-Match": current.etag } : {} });
      if (response.status === 200) return { body: response.data, etag: header(response, "etag") };
      if (response.status === 412 && attempt < this.maxAttempts) continue;
      if (response.status === 409 && (await this.waitOutConflict(response, deadline, onConflict))) continue;
      throw toApiError(response, `PUT ${path}`);
    }
  }

  /** DELETE; a 404 means it is already gone. A 409 while syncing is retried until `deadline`. */
  async remove(path: string, deadline: number, onConflict?: (message: string) => void): Promise<void> {
    for (;;) {
      const response = await this.send("DELETE", path);
      if (response.status === 204 || response.status === 200 || response.status === 404) return;
      if (response.status === 409 && (await this.waitOutConflict(response, deadline, onConflict))) continue;
      throw toApiError(response, `DELETE ${path}`);
    }
  }

  /** Polls GET while `stillSyncing` until `deadline`, telling `onPoll` each read; returns the last read. */
  async waitWhileSyncing<T extends SyncedResource>(
    path: string,
    first: T,
    deadline: number,
    onPoll?: (current: T) => void | Promise<void>,
  ): Promise<T> {
    let current = first;
    let delay = this.backoffMs;
    while (stillSyncing(current) && Date.now() < deadline) {
      await onPoll?.(current);
      await this.sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
      delay = Math.min(delay * 2, 2_000);
      const fetched = await this.get<T>(path);
      if (!fetched) throw new SecgroupsApiError(404, undefined, `GET ${path}: deleted while waiting for it to sync`);
      current = fetched.body;
    }
    return current;
  }

  /** Sleeps out a 409 `resource_syncing` if the deadline allows; false for any other conflict. */
  private async waitOutConflict(response: AxiosResponse, deadline: number, onConflict?: (message: string) => void): Promise<boolean> {
    const body = response.data as ErrorResponse | undefined;
    const retryAfter = retryAfterMs(header(response, "retry-after"));
    if (body?.code !== "resource_syncing" && retryAfter === undefined) return false;
    const wait = Math.min(retryAfter ?? this.backoffMs, this.maxBackoffMs);
    if (Date.now() + wait > deadline) return false;
    onConflict?.(body?.message ?? `HTTP ${response.status}, retrying in ${Math.round(wait / 1000)} s`);
    await this.sleep(wait);
    return true;
  }

  /** One request, retried on network errors, 429 and 5xx with exponential backoff. */
  private async send<T>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    extra: { data?: unknown; headers?: Record<string, string>; params?: Record<string, unknown> } = {},
  ): Promise<AxiosResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      let response: AxiosResponse<T> | undefined;
      try {
        response = await this.http.request<T>({ method, url, ...extra });
      } catch (err) {
        if (attempt >= this.maxAttempts || !isTransient(err)) throw networkError(err, method, url, attempt);
      }
      if (response) {
        const retryable =
          response.status === 429 ||
          response.status === 502 ||
          response.status === 503 ||
          response.status === 504 ||
          response.status === 500;
        if (!retryable || attempt >= this.maxAttempts) return response;
        const after = retryAfterMs(header(response, "retry-after"));
        await this.sleep(Math.min(after ?? this.backoff(attempt), this.maxBackoffMs));
        continue;
      }
      await this.sleep(this.backoff(attempt));
    }
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.backoffMs * 2 ** (attempt - 1), this.maxBackoffMs);
    return base / 2 + Math.random() * (base / 2);
  }
}

function isTransient(err: unknown): boolean {
  if (!axios.isAxiosError(err)) return false;
  if (err.response) return false;
  return err.code === undefined || TRANSIENT_CODES.has(err.code) || /socket hang up/i.test(err.message);
}

function networkError(err: unknown, method: string, url: string, attempts: number): Error {
  const reason = err instanceof Error ? err.message : String(err);
  return new Error(
    `${method} ${url} failed after ${attempts} attempt(s): ${reason}; is secgroups:endpoint (or SECGROUPS_ENDPOINT) right and the API reachable?`,
  );
}

function toApiError(response: AxiosResponse, request: string): SecgroupsApiError {
  const data = response.data as Partial<ErrorResponse> | undefined;
  const body = data && typeof data === "object" && typeof data.code === "string" ? (data as ErrorResponse) : undefined;
  if (response.status === 401 && body) {
    body.message += " (check secgroups:token or SECGROUPS_TOKEN)";
  }
  return new SecgroupsApiError(response.status, body, request);
}

function header(response: AxiosResponse, name: string): string | undefined {
  const value = response.headers[name];
  return typeof value === "string" ? value : undefined;
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
