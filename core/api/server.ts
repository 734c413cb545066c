/**
 * The API server: Fastify with auth, tenancy, error mapping and the OpenAPI
 * document. Routes are plugins; business rules live in core/service.
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { ApiError, errors, PrefixList, PrefixListWrite, SecurityGroup, SecurityGroupWrite, Site, SiteCreated, SiteWrite } from "../model";
import { compilePolicy } from "../platforms";
import { Deployer } from "../deploy/deployer";
import { DatabaseUnavailableError, openDatabase, type Database, type OpenOptions } from "../store/database";
import { AgentService, ConfigCache, SiteWaiters } from "../service/agent-sessions";
import type { ServiceContext } from "../service/context";
import { PrefixListService } from "../service/prefix-lists";
import { SecurityGroupService } from "../service/security-groups";
import { SiteService } from "../service/sites";
import { TokenError, TokenVerifier, type AuthConfig } from "./jwt";
import { bearer } from "./http";
import { errorDocsRoutes, publicUrlOf, socketUrl } from "./error-docs";
import { componentSchemas } from "./schemas";
import { agentRoutes } from "./routes/agent-protocol";
import { referenceRoutes } from "./routes/reference";
import { resourceRoutes } from "./routes/resources";
import { viewRoutes } from "./routes/views";
import { OverviewService } from "../service/overview";
import { SiteViewService } from "../service/site-views";
import { ONLINE_WINDOW_MS } from "../deploy/status";
import { consoleRoutes } from "../console";

declare module "fastify" {
  interface FastifyRequest {
    /** The caller's organization, from the token; every query is scoped by it. */
    org: string;
  }
}

export interface ServerOptions extends OpenOptions {
  auth: Omit<AuthConfig, "orgClaim"> & { orgClaim?: string };
  /** Deadline for sites to confirm a change, in ms (default 2 minutes). */
  syncTimeoutMs?: number;
  /** `serve --site-offline-after`: a site not heard from for this long no longer holds the syncing lock. */
  siteOfflineAfterMs?: number;
  logger?: boolean;
  https?: { cert: Buffer; key: Buffer };
  /** An already open database (tests); otherwise opened from `databaseUrl`/`dataDir`. */
  db?: Database;
  bodyLimit?: number;
  /**
   * Base URL clients reach this server at (e.g. behind a proxy), for `doc_url`
   * links; default: the scheme and Host header of each request.
   */
  publicUrl?: string;
}

export interface Server {
  app: FastifyInstance;
  db: Database;
  close(): Promise<void>;
}

// /console is the console's static page and assets only: its data comes from the /vpc routes, with the token.
const PUBLIC_PREFIXES = ["/openapi.json", "/docs", "/healthz", "/readyz", "/agent/", "/console"];

export async function buildServer(options: ServerOptions): Promise<Server> {
  const verifier = new TokenVerifier({ orgClaim: "org", ...options.auth });
  const db = options.db ?? (await openDatabase(options));
  const configs = new ConfigCache();
  const deployer = new Deployer({
    compile: compilePolicy,
    // Agents woken by a deploy read the new configuration from memory, not the database.
    onCompiled: (digest, body) => configs.prime(digest, body),
    syncTimeoutMs: options.syncTimeoutMs ?? 120_000,
    onlineWindowMs: options.siteOfflineAfterMs,
  });
  const ctx: ServiceContext = { db, deployer };
  const waiters = new SiteWaiters();
  await waiters.start(db);

  const app: FastifyInstance = Fastify({
    logger: options.logger
      ? {
          level: "info",
          serializers: {
            // Site tokens may travel in a query string (RouterOS fetch); never log them.
            req: (req: FastifyRequest) => ({
              method: req.method,
              url: String(req.url).replace(/([?&]token=)[^&]*/g, "$1[redacted]"),
              remoteAddress: req.ip,
            }),
          },
        }
      : false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: (req: { headers: Record<string, unknown> }) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    https: options.https ?? null,
    ajv: { customOptions: { strict: false } },
    return503OnClosing: true,
    // Errors Fastify answers before any hook runs (bad percent-encoding, an
    // over-long path parameter) and Node's own refusals (headers over 16 KiB)
    // are ErrorResponses too, not Fastify's {error, message, statusCode}.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const e =
        error.code === "FST_ERR_MAX_PARAM_LENGTH"
          ? errors.notFound("no resource has an id this long")
          : error.code === "FST_ERR_BAD_URL"
            ? errors.badRequest("invalid_url", "the URL path is not valid percent-encoded UTF-8")
            : errors.internal();
      reply.code(e.status).send(e.toResponse(publicUrlOf(request, options.publicUrl)));
    },
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => clientError(err, socket, options.publicUrl ?? socketUrl(socket)),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the https overload narrows the instance type
  } as any) as unknown as FastifyInstance;

  // Bodies are JSON only: anything else is 415 (Fastify also parses text/plain by default).
  app.removeContentTypeParser("text/plain");
  // One declaration of each shape (core/model/shapes): served as OpenAPI and used by the
  // response serializer (Fastify's default, fast-json-stringify), so undeclared fields never
  // leave. Requests are checked by core/model's validator, which reads the same declarations
  // and words its messages with the field path and the fix; Fastify's validator stays off.
  app.setValidatorCompiler(() => () => true);
  for (const schema of componentSchemas) app.addSchema(schema);

  app.decorateRequest("org", "");
  app.addHook("onRequest", async (request, reply) => {
    reply.header("X-Request-Id", request.id);
    const path = request.url.split("?")[0];
    if (PUBLIC_PREFIXES.some((p) => path.startsWith(p))) return;
    request.org = await authenticate(verifier, request);
  });

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === "database_unavailable") request.log.warn({ err: error }, "database unavailable");
    else if (apiError.status >= 500) request.log.error({ err: error }, "request failed");
    reply
      .code(apiError.status)
      .headers(apiError.headers)
      .send(apiError.toResponse(publicUrlOf(request, options.publicUrl)));
  });
  app.setNotFoundHandler((request, reply) => {
    const e = errors.routeNotFound(`no route ${request.method} ${request.url.split("?")[0]}`);
    reply.code(e.status).send(e.toResponse(publicUrlOf(request, options.publicUrl)));
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "secgroups API",
        version: "1.0.0",
        description:
          "Security groups and prefix lists as code: stored, compiled and deployed to sites. Contract follows the Altostrat Security Groups API.",
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
          siteToken: { type: "http", scheme: "bearer", description: "A site's agent token (sgs_...), from POST /vpc/sites." },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(errorDocsRoutes);
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  // Liveness: the process answers. Readiness: it can serve, i.e. the database answers (and, on
  // PostgreSQL, other replicas' changes reach it); 503 with Retry-After otherwise.
  app.get("/healthz", { schema: { hide: true } }, async () => ({ ok: true, engine: db.engine }));
  app.get("/readyz", { schema: { hide: true } }, async () => {
    const readiness = await db.readiness();
    if (!readiness.ready) throw new DatabaseUnavailableError(readiness.problem ?? "not ready");
    return { ready: true, engine: db.engine };
  });

  await app.register(
    resourceRoutes({
      path: "/vpc/security-groups",
      tag: "Security Groups",
      kind: "securityGroup",
      noun: "security group",
      write: SecurityGroupWrite,
      read: SecurityGroup,
      conflicts: { replace: true, remove: true },
      service: new SecurityGroupService(ctx),
    }),
  );
  await app.register(
    resourceRoutes({
      path: "/vpc/prefix-lists",
      tag: "Prefix Lists",
      kind: "prefixList",
      noun: "prefix list",
      write: PrefixListWrite,
      read: PrefixList,
      conflicts: { replace: true, remove: true },
      service: new PrefixListService(ctx),
    }),
  );
  await app.register(
    resourceRoutes({
      path: "/vpc/sites",
      tag: "Sites",
      kind: "site",
      noun: "site",
      write: SiteWrite,
      read: Site,
      created: SiteCreated,
      conflicts: { replace: false, remove: true },
      service: new SiteService(ctx),
    }),
  );
  await app.register(
    viewRoutes({
      service: new SiteViewService(ctx),
      overview: new OverviewService(ctx),
      db,
      onlineWindowMs: options.siteOfflineAfterMs ?? ONLINE_WINDOW_MS,
    }),
  );
  await app.register(consoleRoutes());
  await app.register(referenceRoutes);
  await app.register(agentRoutes(new AgentService(ctx, waiters, configs)));

  return {
    app,
    db,
    async close() {
      await waiters.stop();
      await app.close();
      if (!options.db) await db.close();
    },
  };
}

async function authenticate(verifier: TokenVerifier, request: FastifyRequest): Promise<string> {
  const token = bearer(request);
  if (!token) throw errors.unauthorized("a Bearer token is required (Authorization: Bearer <JWT>)");
  try {
    return (await verifier.verify(token)).org;
  } catch (err) {
    if (err instanceof TokenError) {
      // A key set that is down or a key unfit for its algorithm is the operator's to fix: say why in the log.
      if (err.cause) request.log.warn({ err: err.cause }, `token refused: ${err.message}`);
      throw errors.unauthorized(err.message);
    }
    throw err;
  }
}

/** Requests Node's HTTP parser refuses (431 headers too large, 408, 400) answered with an ErrorResponse. */
function clientError(err: NodeJS.ErrnoException, socket: Socket, publicUrl: string): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const e =
    err.code === "HPE_HEADER_OVERFLOW"
      ? new ApiError("headers_too_large", "the request line and headers exceed 16 KiB")
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new ApiError("request_timeout", "the request was not received in time")
        : errors.badRequest("malformed_http", "the request is not valid HTTP/1.1");
  const body = JSON.stringify(e.toResponse(publicUrl));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** Maps anything thrown while handling a request to the API's error classes. */
function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DatabaseUnavailableError) return errors.databaseUnavailable();
  const code = (error as FastifyError).code;
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return errors.tooLarge("the request body is too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return errors.unsupportedMediaType("send the request body as application/json");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return errors.badRequest("malformed_json", "the request body is empty; send a JSON object");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return errors.badRequest("invalid_content_length", "the Content-Length header does not match the body");
  }
  if (error instanceof SyntaxError || (error as FastifyError).statusCode === 400) {
    return errors.badRequest("malformed_json", `the request body is not valid JSON: ${error.message}`);
  }
  const status = (error as FastifyError).statusCode;
  // Fastify's other client errors (404, 413, 414, 415 besides the 400s above) keep their meaning.
  if (status === 404) return errors.routeNotFound(error.message);
  if (status === 413) return errors.tooLarge(error.message);
  if (status === 415) return errors.unsupportedMediaType(error.message);
  if (status && status >= 400 && status < 500) return errors.badRequest("bad_request", error.message);
  return errors.internal();
}
