import { readFileSync } from "node:fs";
import { buildServer } from "../../api/server";
import { parseDuration } from "../../api/jwt";
import type { Command } from "../command";
import { UsageError } from "../command";

export const serve: Command = {
  usage: `Usage: secgroups serve [options]

Serves the secgroups API and the agent endpoints.

Options:
  --host HOST            address to listen on (default 127.0.0.1)
  --port PORT            port to listen on (default 8787)
  --data DIR             PGlite data directory (default .secgroups/data)
  --database-url URL     PostgreSQL server instead of PGlite (postgres://...)
  --tls-cert FILE        serve HTTPS with this certificate (with --tls-key)
  --tls-key FILE         private key of --tls-cert
  --sync-timeout DUR     how long sites may take to confirm a change before it fails (default 2m)
  --jwks-url URL         verify RS256 tokens with this key set (e.g. Auth0)
  --jwt-issuer ISS       required issuer of RS256 tokens
  --jwt-audience AUD     required audience of RS256 tokens
  --org-claim NAME       token claim naming the organization (default org)
  --quiet                no request logs

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
    "jwks-url": { type: "string" },
    "jwt-issuer": { type: "string" },
    "jwt-audience": { type: "string" },
    "org-claim": { type: "string", default: "org" },
    quiet: { type: "boolean", default: false },
  },
  async run(v) {
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got ${v.port}`);
    if (Boolean(v["tls-cert"]) !== Boolean(v["tls-key"])) throw new UsageError("--tls-cert and --tls-key go together");
    if (v.data && v["database-url"]) throw new UsageError("use either --data or --database-url, not both");
    const server = await buildServer({
      databaseUrl: v["database-url"] as string | undefined,
      dataDir: v["database-url"] ? undefined : ((v.data as string | undefined) ?? ".secgroups/data"),
      syncTimeoutMs: parseDuration(v["sync-timeout"] as string) * 1000,
      logger: !v.quiet,
      https: v["tls-cert"] ? { cert: readFileSync(v["tls-cert"] as string), key: readFileSync(v["tls-key"] as string) } : undefined,
      auth: {
        secret: process.env.SECGROUPS_JWT_SECRET || undefined,
        jwksUrl: v["jwks-url"] as string | undefined,
        issuer: v["jwt-issuer"] as string | undefined,
        audience: v["jwt-audience"] as string | undefined,
        orgClaim: v["org-claim"] as string,
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
