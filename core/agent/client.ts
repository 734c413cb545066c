/**
 * The agent's side of /agent/v1, authenticated by the site token, over node:http(s) rather than
 * fetch: a control plane with a private CA needs its own trust store (`--ca-file`), which Node 20's
 * fetch cannot take without the undici package.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest, Agent as HttpsAgent } from "node:https";
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

export interface HttpAgentApiOptions {
  /** PEM certificates trusted for an https endpoint instead of the system's CAs (`--ca-file`). */
  ca?: string | Buffer;
}

interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export class HttpAgentApi implements AgentApi {
  private readonly base: URL;
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(
    endpoint: string,
    private readonly token: string,
    options: HttpAgentApiOptions = {},
  ) {
    this.base = new URL(endpoint.replace(/\/+$/, "") + "/");
    const https = this.base.protocol === "https:";
    if (options.ca !== undefined && !https) throw new Error(`a CA file applies to an https endpoint, not ${endpoint}`);
    // Keep-alive: one long poll after another reuses the connection (and its TLS session).
    this.agent = https ? new HttpsAgent({ keepAlive: true, ca: options.ca }) : new HttpAgent({ keepAlive: true });
  }

  async poll(etag: string | undefined, waitSeconds: number, signal?: AbortSignal): Promise<PollResult> {
    const headers: Record<string, string> = {};
    if (etag) headers["if-none-match"] = etag;
    // The server holds the request up to `wait` seconds; give up a little later than that.
    const timeout = AbortSignal.timeout((waitSeconds + 15) * 1000);
    const response = await this.send(
      "GET",
      `agent/v1/config?wait=${waitSeconds}`,
      headers,
      undefined,
      signal ? AbortSignal.any([signal, timeout]) : timeout,
    );
    if (response.status === 304) return { changed: false };
    if (response.status < 200 || response.status >= 300) throw failure(response, "config poll");
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      throw new Error("config poll: the control plane sent a body that is not JSON");
    }
    const checked = validateAgentConfig(body);
    // Not a RejectedError: a control plane mid-upgrade may answer properly on the next poll.
    if (!checked.ok) throw new Error(`config poll: the control plane sent a malformed configuration: ${checked.issues[0].message}`);
    const tag = response.headers.etag;
    return { changed: true, etag: typeof tag === "string" ? tag : undefined, body: checked.value };
  }

  async report(report: Report): Promise<void> {
    await this.post("/agent/v1/report", report);
  }

  async heartbeat(): Promise<void> {
    await this.post("/agent/v1/heartbeat", undefined);
  }

  /** The site's interface addresses (core/agent/addresses.ts), replacing the ones reported before. */
  async reportAddresses(addresses: readonly string[]): Promise<void> {
    await this.post("/agent/v1/addresses", { addresses }, "PUT");
  }

  private async post(path: string, body: unknown, method: "POST" | "PUT" = "POST"): Promise<void> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { "content-type": "application/json" };
    const response = await this.send(method, path.replace(/^\//, ""), headers, payload, AbortSignal.timeout(15_000));
    if (response.status < 200 || response.status >= 300) throw failure(response, path);
  }

  private send(
    method: string,
    path: string,
    headers: Record<string, string>,
    payload: string | undefined,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const url = new URL(path, this.base);
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          signal,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...headers,
            ...(payload === undefined ? {} : { "content-length": Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }
}

function failure(response: HttpResponse, what: string): Error {
  const text = response.text.slice(0, 500);
  const message = `${what}: HTTP ${response.status} ${text}`;
  // 4xx other than 408/429 will not change by retrying the same request.
  return response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429
    ? new RejectedError(response.status, message)
    : new Error(message);
}
