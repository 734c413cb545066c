/**
 * Read-only routes the console is built on (any API client may use them): the organization's
 * overview in one read, a site's effective
 * policy, its revision history, the semantic diff of two revisions, and an event stream of
 * the caller's organization. Authenticated and scoped like every /vpc route: the Bearer token
 * travels in the Authorization header, never in the URL (the console reads the stream with
 * fetch, not EventSource, for that reason).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors, idPattern, isId } from "../../model";
import { organizationFingerprint, type SiteViewService } from "../../service/site-views";
import type { OverviewService } from "../../service/overview";
import type { Database } from "../../store/database";
import { responses } from "../schemas";

export interface ViewRoutesOptions {
  service: SiteViewService;
  overview: OverviewService;
  db: Database;
  onlineWindowMs: number;
  /** How often the event stream compares the organization's fingerprint (default 1 s). */
  eventPollMs?: number;
}

/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

const anyObject = (description: string) => ({ type: "object", additionalProperties: true, description });
const idParam = {
  type: "object",
  properties: { id: { type: "string", pattern: idPattern("site"), description: "The site's id." } },
  required: ["id"],
};

export function viewRoutes(opts: ViewRoutesOptions) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const { service } = opts;
    // Open event streams, ended when the server closes (a hijacked reply would keep close() waiting).
    const streams = new Set<() => void>();
    app.addHook("preClose", async () => {
      for (const end of [...streams]) end();
    });
    const security = [{ bearerAuth: [] }];
    const tags = ["Views"];
    const siteOf = (request: FastifyRequest) => {
      const id = (request.params as { id: string }).id;
      if (!isId("site", id)) throw errors.notFound(`site ${id} was not found`);
      return id;
    };

    app.get(
      "/vpc/overview",
      {
        schema: {
          tags,
          summary: "The organization at a glance",
          description:
            "Counts of sites by state and of security groups and prefix lists by status, and what needs attention first: resources failed, then syncing; sites with an error, restored drift, offline, or behind their desired revision (each list up to 20, with its full length).",
          security,
          response: responses({ 200: anyObject("The overview.") }, [401]),
        },
      },
      async (request) => opts.overview.overview(request.org),
    );

    app.get(
      "/vpc/sites/:id/policy",
      {
        schema: {
          tags,
          summary: "A site's effective policy",
          description:
            "The policy the site's desired revision was compiled from: every attached group's rules merged in evaluation order, the prefix lists they use, and the compiled text for each platform.",
          security,
          params: idParam,
          response: responses({ 200: anyObject("The effective policy.") }, [401, 404]),
        },
      },
      async (request) => service.effectivePolicy(request.org, siteOf(request)),
    );

    app.get(
      "/vpc/sites/:id/revisions",
      {
        schema: {
          tags,
          summary: "A site's revision history",
          security,
          params: idParam,
          response: responses(
            { 200: { type: "array", items: anyObject("A revision."), description: "Revisions, newest first (up to 100)." } },
            [401, 404],
          ),
        },
      },
      async (request) => service.revisions(request.org, siteOf(request)),
    );

    app.get(
      "/vpc/sites/:id/revisions/diff",
      {
        schema: {
          tags,
          summary: "The semantic diff of two revisions of a site",
          description:
            "secgroups review of revision `base` to revision `head` (its JSON form): traffic newly allowed, no longer allowed, rule changes and lint.",
          security,
          params: idParam,
          querystring: {
            type: "object",
            properties: {
              base: { type: "integer", minimum: 1, description: "The earlier revision." },
              head: { type: "integer", minimum: 1, description: "The later revision." },
            },
            required: ["base", "head"],
          },
          response: responses({ 200: anyObject("The review, as `secgroups review --format json` prints it.") }, [400, 401, 404]),
        },
      },
      async (request) => {
        const query = request.query as Record<string, unknown>;
        return service.diff(request.org, siteOf(request), revisionParam(query, "base"), revisionParam(query, "head"));
      },
    );

    app.get(
      "/vpc/events",
      {
        schema: {
          tags,
          // A text/event-stream, not JSON: described in the README, outside the OpenAPI document.
          hide: true,
          summary: "Changes in the organization, as server-sent events",
          description:
            "text/event-stream: an `event: change` whenever a site, group or prefix list of the organization changes (an agent's report, a write, a deadline passing, a site going offline). Send the token in the Authorization header (read it with fetch streaming).",
          security,
          response: responses({ 200: { type: "string", description: "The event stream." } }, [401]),
        },
      },
      async (request, reply) => {
        const org = request.org;
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          "Content-Type": "text/event-stream; charset=utf-8",
          "Cache-Control": "no-store",
          "X-Accel-Buffering": "no",
          "X-Request-Id": request.id,
        });
        let last = "";
        let closed = false;
        let timer: NodeJS.Timeout | undefined;
        const write = (text: string) => {
          if (!closed) raw.write(text);
        };
        const check = async () => {
          try {
            const now = await organizationFingerprint(opts.db, org, opts.onlineWindowMs);
            if (now !== last) {
              write(`event: change\ndata: ${JSON.stringify({ fingerprint: now })}\n\n`);
              last = now;
            }
          } catch (err) {
            // The database is away: say so and keep the stream; the next check may work.
            request.log.warn({ err }, "event stream check failed");
            write(`event: unavailable\ndata: {}\n\n`);
          }
          if (!closed) timer = setTimeout(check, opts.eventPollMs ?? 1000);
        };
        const keepalive = setInterval(() => write(`: keepalive\n\n`), KEEPALIVE_MS);
        const end = () => {
          closed = true;
          clearTimeout(timer);
          clearInterval(keepalive);
          streams.delete(end);
          raw.end();
        };
        streams.add(end);
        raw.on("close", end);
        write(`retry: 2000\n\n`);
        await check();
      },
    );
  };
}

function revisionParam(query: Record<string, unknown>, name: "base" | "head"): number {
  const text = query[name];
  if (typeof text !== "string" || !/^[1-9][0-9]{0,15}$/.test(text)) {
    throw errors.badRequest(
      "invalid_revision",
      `${name} must be a revision number (a positive integer), got ${JSON.stringify(text ?? null)}`,
    );
  }
  return Number(text);
}
