/**
 * Routes for site agents, authenticated by the site token rather than a user
 * JWT: config poll (ETag, long-poll), reports, heartbeats, and the RouterOS
 * script that a router fetches on a schedule.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../../model";
import { servedRouterosScript } from "../../platforms/routeros";
import type { AgentService } from "../../service/agent-sessions";
import { bearer, header } from "../http";

export function agentRoutes(agent: AgentService) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const tags = ["Agent"];
    const tokenOf = (request: FastifyRequest) =>
      bearer(request) ?? ((request.query as Record<string, unknown>).token as string | undefined);

    app.get(
      "/agent/v1/config",
      {
        schema: {
          tags,
          summary: "Fetch this site's compiled configuration",
          description:
            "Send If-None-Match with the last ETag; with `wait` (seconds, <= 60) the request is held until the configuration changes.",
          querystring: { type: "object", properties: { wait: { type: "integer", minimum: 0, maximum: 60 } } },
        },
      },
      async (request, reply) => {
        const waitText = (request.query as Record<string, unknown>).wait;
        const wait = waitText === undefined ? 0 : Number(waitText);
        if (!Number.isInteger(wait) || wait < 0 || wait > 60)
          throw errors.badRequest("invalid_wait", "wait must be an integer number of seconds from 0 to 60");
        const controller = new AbortController();
        request.raw.on("close", () => controller.abort());
        const poll = await agent.poll(bearer(request), header(request, "if-none-match"), wait * 1000, controller.signal);
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
          body: {
            type: "object",
            required: ["revision", "status"],
            properties: {
              revision: { type: "integer" },
              status: { type: "string", enum: ["applied", "failed"] },
              error: { type: "string", nullable: true },
              digest: { type: "string", nullable: true },
              drift: { type: "boolean" },
            },
          },
        },
      },
      async (request, reply) => {
        await agent.report(bearer(request), request.body);
        reply.code(204).send();
      },
    );

    app.post("/agent/v1/heartbeat", { schema: { tags, summary: "Tell the control plane the agent is alive" } }, async (request, reply) => {
      await agent.heartbeat(bearer(request));
      reply.code(204).send();
    });

    app.get(
      "/agent/v1/routeros.rsc",
      {
        schema: {
          tags,
          summary: "The compiled RouterOS script of a routeros site",
          description:
            "For `/tool fetch` on the router: the site token goes in an Authorization header or, where that cannot be set, the `token` query parameter.",
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
