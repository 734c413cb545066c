/**
 * Routes for site agents, authenticated by the site token rather than a user
 * JWT: config poll (ETag, long-poll), reports, heartbeats, address reports, and the RouterOS
 * script that a router fetches on a schedule.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AgentAddresses, AgentConfig, AgentConfigDelta, AgentReport, errors, LIMITS } from "../../model";
import { servedRouterosScript } from "../../platforms/routeros";
import { MAX_WAIT_MS, type AgentService } from "../../service/agent-sessions";
import { bearer, header } from "../http";
import { noBody, ref, responses } from "../schemas";

const MAX_WAIT_SECONDS = MAX_WAIT_MS / 1000;

export function agentRoutes(agent: AgentService) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const tags = ["Agent"];
    const security = [{ siteToken: [] }];
    const tokenOf = (request: FastifyRequest) =>
      bearer(request) ?? ((request.query as Record<string, unknown>).token as string | undefined);

    app.get(
      "/agent/v1/config",
      {
        schema: {
          tags,
          summary: "Fetch this site's compiled configuration",
          description: "Send If-None-Match with the last ETag; with `wait` (seconds) the request is held until the configuration changes.",
          security,
          querystring: {
            type: "object",
            properties: {
              wait: { type: "integer", minimum: 0, maximum: MAX_WAIT_SECONDS, description: "Long-poll for up to this many seconds." },
            },
          },
          headers: {
            type: "object",
            properties: { "if-none-match": { type: "string", description: "The ETag of the configuration held." } },
          },
          response: responses(
            { 200: ref(AgentConfig, "The site's configuration; ETag identifies it."), 304: noBody("Unchanged since If-None-Match.") },
            [400, 401],
          ),
        },
      },
      async (request, reply) => {
        const wait = waitOf(request);
        const poll = await agent.poll(bearer(request), header(request, "if-none-match"), wait * 1000, abortedWith(request));
        reply.header("ETag", poll.etag).header("Cache-Control", "no-cache");
        if (!poll.changed) return reply.code(304).send();
        return poll.body;
      },
    );

    app.get(
      "/agent/v1/config/delta",
      {
        schema: {
          tags,
          summary: "Fetch this site's compiled configuration as a delta from a revision the agent holds",
          description:
            "As /agent/v1/config (same ETag, If-None-Match and `wait`), but the body holds the line edits from revision `from` to the current revision. The agent applies them to its text of `from` (whose digest is `base_digest`), checks the result against `digest`, and fetches /agent/v1/config instead on any mismatch or on 410.",
          security,
          querystring: {
            type: "object",
            required: ["from"],
            properties: {
              from: {
                type: "integer",
                minimum: LIMITS.revision.min,
                maximum: LIMITS.revision.max,
                description: "The revision whose text the agent holds.",
              },
              wait: { type: "integer", minimum: 0, maximum: MAX_WAIT_SECONDS, description: "Long-poll for up to this many seconds." },
            },
          },
          headers: {
            type: "object",
            properties: { "if-none-match": { type: "string", description: "The ETag of the configuration held." } },
          },
          response: responses(
            {
              200: ref(AgentConfigDelta, "The edits from `from` to the site's configuration; ETag identifies the result."),
              304: noBody("Unchanged since If-None-Match."),
            },
            [400, 401, 410],
          ),
        },
      },
      async (request, reply) => {
        // Who asks comes first: a refused token is a 401 whatever the query says.
        await agent.authenticate(bearer(request));
        const wait = waitOf(request);
        const fromText = (request.query as Record<string, unknown>).from;
        const from = Number(fromText);
        if (fromText === undefined || !Number.isInteger(from) || from < LIMITS.revision.min || from > LIMITS.revision.max)
          throw errors.badRequest(
            "invalid_base_revision",
            `from must be a revision number from ${LIMITS.revision.min} to ${LIMITS.revision.max}`,
          );
        const poll = await agent.pollDelta(bearer(request), from, header(request, "if-none-match"), wait * 1000, abortedWith(request));
        reply.header("ETag", poll.etag).header("Cache-Control", "no-cache");
        if (!poll.changed) return reply.code(304).send();
        return poll.body;
      },
    );

    app.post(
      "/agent/v1/report",
      {
        schema: {
          tags,
          summary: "Report the outcome of applying a revision",
          security,
          body: ref(AgentReport),
          response: responses({ 204: noBody("Recorded.") }, [400, 401, 413, 415, 422]),
        },
      },
      async (request, reply) => {
        await agent.report(bearer(request), request.body);
        reply.code(204).send();
      },
    );

    app.put(
      "/agent/v1/addresses",
      {
        schema: {
          tags,
          summary: "Report the site's interface addresses",
          description:
            "Replaces the site's `reported_addresses`: host addresses only (/32, /128), global unicast, at most 64; anything else is refused and nothing is stored. They stand for the site in rules that name its groups while the site declares no `addresses`.",
          security,
          body: ref(AgentAddresses),
          response: responses({ 204: noBody("Recorded.") }, [400, 401, 413, 415, 422]),
        },
      },
      async (request, reply) => {
        await agent.reportAddresses(bearer(request), request.body);
        reply.code(204).send();
      },
    );

    app.post(
      "/agent/v1/heartbeat",
      {
        schema: {
          tags,
          summary: "Tell the control plane the agent is alive",
          security,
          response: responses({ 204: noBody("Recorded.") }, [401]),
        },
      },
      async (request, reply) => {
        await agent.heartbeat(bearer(request));
        reply.code(204).send();
      },
    );

    app.get(
      "/agent/v1/routeros.rsc",
      {
        schema: {
          tags,
          summary: "The compiled RouterOS script of a routeros site",
          description:
            "For `/tool fetch` on the router: the site token goes in an Authorization header or, where that cannot be set, the `token` query parameter.",
          security,
          querystring: {
            type: "object",
            properties: { token: { type: "string", description: "The site token, where no header can be set." } },
          },
          response: responses(
            {
              200: {
                description: "The script, ending in its own confirmation report.",
                content: { "text/plain": { schema: { type: "string" } } },
              },
            },
            [400, 401],
          ),
        },
      },
      async (request, reply) => {
        const poll = await agent.poll(tokenOf(request), undefined, 0);
        if (!poll.changed) throw errors.internal();
        if (poll.body.platform !== "routeros") {
          throw errors.badRequest(
            "wrong_platform",
            `this site's platform is ${poll.body.platform}; the RouterOS script is only served to routeros sites`,
          );
        }
        reply.header("ETag", poll.etag).type("text/plain; charset=utf-8");
        return servedRouterosScript(poll.body);
      },
    );
  };
}

function waitOf(request: FastifyRequest): number {
  const waitText = (request.query as Record<string, unknown>).wait;
  const wait = waitText === undefined ? 0 : Number(waitText);
  if (!Number.isInteger(wait) || wait < 0 || wait > MAX_WAIT_SECONDS)
    throw errors.badRequest("invalid_wait", `wait must be an integer number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
  return wait;
}

/** Aborted when the client goes away, so a held long poll stops waiting. */
function abortedWith(request: FastifyRequest): AbortSignal {
  const controller = new AbortController();
  request.raw.on("close", () => controller.abort());
  return controller.signal;
}
