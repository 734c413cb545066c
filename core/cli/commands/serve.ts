import { readFileSync } from "node:fs";
import { buildServer } from "../../api/server";
import { DEFAULT_LEEWAY_SECONDS } from "../../api/jwt";
import type { Command } from "../command";
import { UsageError } from "../command";
import { parseDuration } from "../duration";

const DAY_MS = 86_400_000;

export const serve: Command = {
  usage: `Usage: secgroups serve [options]

Serves the secgroups API and the agent endpoints.

Options:
  --host HOST            address to listen on (default 127.0.0.1)
  --port PORT            port to listen on (default 8787)
  --data DIR             PGlite data directory (default .secgroups/data); one serve
                         process per directory (a second one is refused)
  --database-url URL     PostgreSQL server instead of PGlite (postgres://...)
  --tls-cert FILE        serve HTTPS with this certificate (with --tls-key)
  --tls-key FILE         private key of --tls-cert
  --sync-timeout DUR     how long sites may take to confirm a change before it fails (default 2m)
  --site-offline-after DUR
                         a site not heard from for this long (or never) is offline: its revision
                         queues and it does not lock writes (default 90s, at least 30s)
  --jwks-url URL         verify RS256/ES256/EdDSA tokens with this key set (e.g. Auth0)
  --jwt-issuer ISS       required issuer (iss) of tokens
  --jwt-audience AUD     required audience (aud) of tokens
  --jwt-clock-skew DUR   clock skew tolerated on exp, nbf and iat (default 30s, at most 10m)
  --org-claim NAME       token claim naming the organization (default org)
  --public-url URL       base URL clients reach this server at, for doc_url links in errors
                         (default: the scheme and Host header of each request)
  --quiet                no request logs

Durations: 500ms, 30s, 2m, 1h, 7d; a bare number is seconds.

Environment:
  SECGROUPS_JWT_SECRET   HS256 secret that verifies tokens (see \`secgroups token\`)`,
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8787" },
    data: { type: "string" },
    "database-url": { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    "sync-timeout": { type: "string", default: "2m" },
    "site-offline-after": { type: "string", default: "90s" },
    "jwks-url": { type: "string" },
    "jwt-issuer": { type: "string" },
    "jwt-audience": { type: "string" },
    "jwt-clock-skew": { type: "string", default: `${DEFAULT_LEEWAY_SECONDS}s` },
    "org-claim": { type: "string", default: "org" },
    "public-url": { type: "string" },
    quiet: { type: "boolean", default: false },
  },
  async run(v) {
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got ${v.port}`);
    if (Boolean(v["tls-cert"]) !== Boolean(v["tls-key"])) throw new UsageError("--tls-cert and --tls-key go together");
    if (v.data && v["database-url"]) throw new UsageError("use either --data or --database-url, not both");
    const syncTimeoutMs = parseDuration(v["sync-timeout"] as string, "--sync-timeout", { maxMs: 30 * DAY_MS });
    // At least one agent heartbeat interval (30 s), or healthy sites would flap offline.
    const siteOfflineAfterMs = parseDuration(v["site-offline-after"] as string, "--site-offline-after", {
      minMs: 30_000,
      maxMs: 30 * DAY_MS,
    });
    const leewayMs = parseDuration(v["jwt-clock-skew"] as string, "--jwt-clock-skew", { minMs: 0, maxMs: 600_000, wholeSeconds: true });
    const orgClaim = v["org-claim"] as string;
    if (!orgClaim) throw new UsageError("--org-claim must name a claim");
    const server = await buildServer({
      databaseUrl: v["database-url"] as string | undefined,
      dataDir: v["database-url"] ? undefined : ((v.data as string | undefined) ?? ".secgroups/data"),
      syncTimeoutMs,
      siteOfflineAfterMs,
      publicUrl: publicUrl(v["public-url"] as string | undefined),
      logger: !v.quiet,
      https: v["tls-cert"] ? { cert: readFileSync(v["tls-cert"] as string), key: readFileSync(v["tls-key"] as string) } : undefined,
      auth: {
        secret: process.env.SECGROUPS_JWT_SECRET || undefined,
        jwksUrl: v["jwks-url"] as string | undefined,
        issuer: v["jwt-issuer"] as string | undefined,
        audience: v["jwt-audience"] as string | undefined,
        orgClaim,
        leewaySeconds: leewayMs / 1000,
      },
    });
    const address = await server.app.listen({ host: v.host as string, port });
    // One plain line for scripts and tests that wait for readiness.
    console.log(`secgroups listening on ${address} (${server.db.engine})`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
        server.close().then(resolve, resolve);
      };
      process.on("SIGTERM", stop);
      process.on("SIGINT", stop);
    });
  },
};

/** `--public-url` without its trailing slash; only http(s) URLs without query or fragment. */
function publicUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--public-url must be a URL like https://secgroups.example.com, got ${text}`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.username) {
    throw new UsageError(`--public-url must be an http(s) URL without query, fragment or credentials, got ${text}`);
  }
  return url.href.replace(/\/+$/, "");
}
