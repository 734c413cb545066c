/**
 * The CLI's client of the API (`export`, `import --apply`): list every object
 * of a kind (following the cursor), create and replace. `--endpoint` and
 * `--token` (or SECGROUPS_ENDPOINT / SECGROUPS_TOKEN) as for every command.
 */
import { randomUUID } from "node:crypto";
import type { PrefixList, SecurityGroup, Site } from "../model";
import { UsageError } from "./command";

export interface Inventory {
  sites: Site[];
  prefixLists: PrefixList[];
  securityGroups: SecurityGroup[];
}

export const API_OPTIONS = {
  endpoint: { type: "string" },
  token: { type: "string" },
} as const;

export const API_OPTIONS_HELP = `  --endpoint URL    API endpoint (default: SECGROUPS_ENDPOINT)
  --token JWT       API token (default: SECGROUPS_TOKEN)`;

/** The endpoint and token from the flags or the environment; a usage error when either is missing. */
export function apiSettings(v: Record<string, unknown>): { endpoint: string; token: string } {
  const endpoint = (v.endpoint as string | undefined) ?? process.env.SECGROUPS_ENDPOINT;
  const token = (v.token as string | undefined) ?? process.env.SECGROUPS_TOKEN;
  if (!endpoint) throw new UsageError("--endpoint (or SECGROUPS_ENDPOINT) is required");
  if (!token) throw new UsageError("--token (or SECGROUPS_TOKEN) is required");
  return { endpoint, token };
}

export class ApiClient {
  private readonly base: string;
  constructor(
    endpoint: string,
    private readonly token: string,
  ) {
    this.base = endpoint.replace(/\/+$/, "");
  }

  private async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        Accept: "application/json",
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) {
      const error = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
      throw new Error(`${method} ${path} failed with HTTP ${response.status}${error?.message ? `: ${error.message}` : ""}`);
    }
    return response;
  }

  async list<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const response = await this.request("GET", `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      items.push(...((await response.json()) as T[]));
      cursor = response.headers.get("x-next-cursor");
    } while (cursor);
    return items;
  }

  /** POST with an Idempotency-Key, so a retried create makes one object. */
  async create<T>(path: string, body: unknown): Promise<T> {
    return (await (await this.request("POST", path, body, { "Idempotency-Key": randomUUID() })).json()) as T;
  }

  async replace<T>(path: string, body: unknown): Promise<T> {
    return (await (await this.request("PUT", path, body)).json()) as T;
  }

  async inventory(): Promise<Inventory> {
    const [sites, prefixLists, securityGroups] = await Promise.all([
      this.list<Site>("/vpc/sites"),
      this.list<PrefixList>("/vpc/prefix-lists"),
      this.list<SecurityGroup>("/vpc/security-groups"),
    ]);
    return { sites, prefixLists, securityGroups };
  }
}

export async function fetchInventory(endpoint: string, token: string): Promise<Inventory> {
  return new ApiClient(endpoint, token).inventory();
}
