/** The agent's side of /agent/v1: HTTP only, authenticated by the site token. */
import { validateAgentConfig, type AgentConfig, type AgentReport } from "../model";

/** The wire shapes are declared once, in core/model/shapes/agent-protocol.ts, for both ends. */
export type AgentConfigBody = AgentConfig;
export type Report = AgentReport;

export type PollResult = { changed: false } | { changed: true; etag: string | undefined; body: AgentConfigBody };

/** A response the control plane will keep refusing (bad token, unknown revision): retrying does not help. */
export class RejectedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface AgentApi {
  poll(etag: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<PollResult>;
  report(report: Report): Promise<void>;
  heartbeat(): Promise<void>;
}

export class HttpAgentApi implements AgentApi {
  private readonly base: string;

  constructor(
    endpoint: string,
    private readonly token: string,
  ) {
    this.base = endpoint.replace(/\/+$/, "");
  }

  async poll(etag: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<PollResult> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (etag) headers["if-none-match"] = etag;
    // The server holds the request up to `wait` seconds; give up a little later than that.
    const timeout = AbortSignal.timeout((waitSeconds + 15) * 1000);
    const response = await fetch(`${this.base}/agent/v1/config?wait=${waitSeconds}`, {
      headers,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (response.status === 304) return { changed: false };
    if (!response.ok) throw await failure(response, "config poll");
    const checked = validateAgentConfig(await response.json());
    // Not a RejectedError: a control plane mid-upgrade may answer properly on the next poll.
    if (!checked.ok) throw new Error(`config poll: the control plane sent a malformed configuration: ${checked.issues[0].message}`);
    return { changed: true, etag: response.headers.get("etag") ?? undefined, body: checked.value };
  }

  async report(report: Report): Promise<void> {
    await this.post("/agent/v1/report", report);
  }

  async heartbeat(): Promise<void> {
    await this.post("/agent/v1/heartbeat", undefined);
  }

  private async post(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${this.base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw await failure(response, path);
    await response.arrayBuffer();
  }
}

async function failure(response: Response, what: string): Promise<Error> {
  const text = (await response.text().catch(() => "")).slice(0, 500);
  const message = `${what}: HTTP ${response.status} ${text}`;
  // 4xx other than 408/429 will not change by retrying the same request.
  return response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429
    ? new RejectedError(response.status, message)
    : new Error(message);
}
