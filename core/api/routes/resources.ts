/**
 * The CRUD routes every resource shares (security groups, prefix lists,
 * sites): POST 201, GET list, GET one with ETag, PUT full replacement with
 * If-Match, DELETE 204. One plugin, registered once per resource.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors, isId, type IdKind } from "../../model";
import { etagOf, type Versioned } from "../../service/context";
import type { Created } from "../../service/idempotent";
import { errorResponses } from "../schemas";
import { header, pageOf, setNextCursor } from "../http";

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
  writeSchema: string;
  readSchema: string;
  service: ResourceService<T>;
}

export function resourceRoutes<T extends { id: string }>(opts: ResourceRoutesOptions<T>) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const { service, noun } = opts;
    const idParam = { type: "object", properties: { id: { type: "string" } }, required: ["id"] };
    const read = { $ref: `${opts.readSchema}#` };
    const write = { $ref: `${opts.writeSchema}#` };
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
          headers: { type: "object", properties: { "idempotency-key": { type: "string" } } },
          body: write,
          response: { 201: read, ...errorResponses },
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
          querystring: { type: "object", properties: { limit: { type: "integer", minimum: 1, maximum: 100 }, cursor: { type: "string" } } },
          response: { 200: { type: "array", items: read }, ...errorResponses },
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
        schema: { tags: [opts.tag], summary: `Get a ${noun}`, security, params: idParam, response: { 200: read, ...errorResponses } },
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
          headers: { type: "object", properties: { "if-match": { type: "string" } } },
          body: write,
          response: { 200: read, ...errorResponses },
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
          response: { 204: { type: "null" }, ...errorResponses },
        },
      },
      async (request, reply) => {
        await service.remove(request.org, idOf(request), header(request, "if-match"));
        reply.code(204).send();
      },
    );
  };
}
