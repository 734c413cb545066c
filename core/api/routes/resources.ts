/**
 * The CRUD routes every resource shares (security groups, prefix lists,
 * sites): POST 201, GET list, GET one with ETag, PUT full replacement with
 * If-Match, DELETE 204. One plugin, registered once per resource.
 */
import type { TSchema } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors, idPattern, isId, type IdKind } from "../../model";
import { etagOf, type Versioned } from "../../service/context";
import { IDEMPOTENCY_KEY, type Created } from "../../service/idempotent";
import { noBody, ref, responses } from "../schemas";
import { header, MAX_PAGE, pageOf, setNextCursor } from "../http";

export interface ResourceService<T extends { id: string }> {
  create(orgId: string, body: unknown, idempotencyKey?: string): Promise<Created<T>>;
  get(orgId: string, id: string): Promise<Versioned<T>>;
  list(orgId: string, limit: number, after?: string): Promise<T[]>;
  replace(orgId: string, id: string, body: unknown, ifMatch?: string): Promise<Versioned<T>>;
  remove(orgId: string, id: string, ifMatch?: string): Promise<void>;
}

export interface ResourceRoutesOptions<T extends { id: string }> {
  path: string;
  tag: string;
  kind: IdKind;
  /** Human name, e.g. "security group". */
  noun: string;
  /** The write body's shape (POST, PUT). */
  write: TSchema;
  /** The resource's shape (responses). */
  read: TSchema;
  /** The 201 body's shape, when it has more than `read` (a site's one-time token). */
  created?: TSchema;
  /** Whether PUT and DELETE can be refused with 409 (locked while syncing, still in use). */
  conflicts: { replace: boolean; remove: boolean };
  service: ResourceService<T>;
}

export function resourceRoutes<T extends { id: string }>(opts: ResourceRoutesOptions<T>) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const { service, noun } = opts;
    const idParam = {
      type: "object",
      properties: { id: { type: "string", pattern: idPattern(opts.kind), description: `The ${noun}'s id.` } },
      required: ["id"],
    };
    const read = ref(opts.read);
    const write = ref(opts.write);
    const conflict = (yes: boolean) => (yes ? [409] : []);
    const security = [{ bearerAuth: [] }];
    const idOf = (request: FastifyRequest) => {
      const id = (request.params as { id: string }).id;
      if (!isId(opts.kind, id)) throw errors.notFound(`${noun} ${id} was not found`);
      return id;
    };

    app.post(
      opts.path,
      {
        schema: {
          tags: [opts.tag],
          summary: `Create a ${noun}`,
          security,
          headers: {
            type: "object",
            properties: {
              "idempotency-key": {
                type: "string",
                pattern: IDEMPOTENCY_KEY.source,
                description: "Replays the first response for the same key and body.",
              },
            },
          },
          body: write,
          response: responses({ 201: ref(opts.created ?? opts.read, `The new ${noun}.`) }, [400, 401, 413, 415, 422]),
        },
      },
      async (request, reply) => {
        const created = await service.create(request.org, request.body, header(request, "idempotency-key"));
        reply.code(created.status as 201).header("Location", `${opts.path}/${created.body.id}`);
        if (created.replayed) reply.header("Idempotent-Replayed", "true");
        return created.body;
      },
    );

    app.get(
      opts.path,
      {
        schema: {
          tags: [opts.tag],
          summary: `List ${noun}s`,
          security,
          querystring: {
            type: "object",
            properties: {
              limit: { type: "integer", minimum: 1, maximum: MAX_PAGE, description: "Page size." },
              cursor: { type: "string", description: "The X-Next-Cursor header of the previous page." },
            },
          },
          response: responses(
            { 200: { type: "array", items: read, maxItems: MAX_PAGE, description: `A page of ${noun}s, by id.` } },
            [400, 401],
          ),
        },
      },
      async (request, reply) => {
        const { limit, after } = pageOf(request, opts.kind);
        const items = await service.list(request.org, limit, after);
        setNextCursor(reply, items, limit);
        return items;
      },
    );

    app.get(
      `${opts.path}/:id`,
      {
        schema: {
          tags: [opts.tag],
          summary: `Get a ${noun}`,
          security,
          params: idParam,
          response: responses({ 200: ref(opts.read, `The ${noun}; its ETag header carries the version.`) }, [401, 404]),
        },
      },
      async (request, reply) => {
        const found = await service.get(request.org, idOf(request));
        reply.header("ETag", etagOf(found.version));
        return found.resource;
      },
    );

    app.put(
      `${opts.path}/:id`,
      {
        schema: {
          tags: [opts.tag],
          summary: `Replace a ${noun} (full replacement)`,
          security,
          params: idParam,
          headers: { type: "object", properties: { "if-match": { type: "string", description: "Replace only this version (an ETag)." } } },
          body: write,
          response: responses({ 200: ref(opts.read, `The replaced ${noun}.`) }, [
            400,
            401,
            404,
            ...conflict(opts.conflicts.replace),
            412,
            413,
            415,
            422,
          ]),
        },
      },
      async (request, reply) => {
        const updated = await service.replace(request.org, idOf(request), request.body, header(request, "if-match"));
        reply.header("ETag", etagOf(updated.version));
        return updated.resource;
      },
    );

    app.delete(
      `${opts.path}/:id`,
      {
        schema: {
          tags: [opts.tag],
          summary: `Delete a ${noun}`,
          security,
          params: idParam,
          headers: { type: "object", properties: { "if-match": { type: "string", description: "Delete only this version (an ETag)." } } },
          response: responses({ 204: noBody(`The ${noun} is gone.`) }, [401, 404, ...conflict(opts.conflicts.remove), 412]),
        },
      },
      async (request, reply) => {
        await service.remove(request.org, idOf(request), header(request, "if-match"));
        reply.code(204).send();
      },
    );
  };
}
