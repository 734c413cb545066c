/**
 * The console's only way to data: the API of the same origin, with the token the user pasted.
 * The token lives in sessionStorage (this tab only, gone when it closes); it travels in the
 * Authorization header, never in a URL or a cookie.
 */

const TOKEN_KEY = "secgroups.console.token";

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An error answer of the API (its ErrorResponse), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SyncError {
  site: string;
  message: string;
}
export interface PendingSite {
  site: string;
  reason: string;
  revision: number;
}
export interface Rule {
  id: string;
  direction: "inbound" | "outbound";
  order: number;
  protocol: number;
  port: string;
  address: string;
  description: string;
  action?: "accept" | "drop";
  icmp_type?: number | null;
  icmp_code?: number | null;
  log?: boolean;
}
export interface Group {
  id: string;
  name: string;
  description: string | null;
  status: "active" | "syncing" | "failed";
  sites: string[];
  rules: Rule[];
  sync_errors: SyncError[];
  pending_sites: PendingSite[];
  updated_at?: string;
}
export interface PrefixList {
  id: string;
  name: string;
  description: string | null;
  status: "active" | "syncing" | "failed";
  prefixes: { cidr: string; description: string | null }[];
  sites: string[];
  sync_errors: SyncError[];
  pending_sites: PendingSite[];
}
export interface Site {
  id: string;
  name: string;
  platform: string;
  mode: string;
  desired_revision: number;
  applied_revision: number | null;
  last_seen: string | null;
  online: boolean;
  drift: boolean;
  last_error: string | null;
  created_at: string;
  /** Declared addresses, once the API has them (#15). */
  addresses?: string[];
  /** Addresses the agent reports, once the API has them (#15). */
  reported_addresses?: string[];
}
export interface EffectivePolicy {
  site: string;
  revision: number;
  managed: boolean;
  groups: { id: string; name: string }[];
  rules: { group: { id: string; name: string }; rule: Rule }[];
  prefix_lists: { id: string; name: string; prefixes: { cidr: string; description: string | null }[] }[];
  compiled: { platform: string; text: string; error: string | null }[];
}
export interface Revision {
  revision: number;
  created_at: string;
  managed: boolean;
  desired: boolean;
  applied: boolean;
  diffable: boolean;
}
export interface DiffRegionView {
  text: string;
  sites: string[];
}
export interface ReviewView {
  base: string;
  head: string;
  textChanged: boolean;
  effectiveChange: boolean;
  newlyAllowed: DiffRegionView[];
  noLongerAllowed: DiffRegionView[];
  findings: { severity: string; code?: string; message: string }[];
  groups: {
    name: string;
    status: string;
    added: Rule[];
    removed: Rule[];
    changed: { order: number; fields: string[]; before: Rule; after: Rule }[];
  }[];
  notes: string[];
}

/** The page size list routes allow at most. */
const PAGE = 100;

export class Api {
  constructor(readonly token: string) {}

  async get<T>(path: string): Promise<T> {
    return (await this.request(path)).json() as Promise<T>;
  }

  /** Every item of a list route, following X-Next-Cursor. */
  async listAll<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const response = await this.request(`${path}?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      out.push(...((await response.json()) as T[]));
      cursor = response.headers.get("X-Next-Cursor");
    } while (cursor);
    return out;
  }

  /**
   * Calls `onChange` for every change event of the organization's stream until `signal`
   * aborts; reconnects after a failure. fetch, not EventSource: EventSource cannot send the
   * Authorization header, and the token must not go in the URL.
   */
  async watch(onChange: () => void, onState: (connected: boolean) => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const response = await fetch("/vpc/events", { headers: this.headers(), signal, cache: "no-store" });
        if (!response.ok || !response.body) throw await errorOf(response);
        onState(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^event: change$/m.test(event)) onChange();
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) {
          onState(false);
          return;
        }
      }
      onState(false);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  private headers(): HeadersInit {
    return { Authorization: `Bearer ${this.token}`, Accept: "application/json" };
  }

  private async request(path: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, { headers: this.headers(), cache: "no-store" });
    } catch (err) {
      throw new ApiError(0, "network_error", `the API could not be reached: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { code?: string; message?: string };
    return new ApiError(response.status, body.code ?? "error", body.message ?? response.statusText);
  } catch {
    return new ApiError(response.status, "error", response.statusText);
  }
}
