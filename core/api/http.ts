/** Small request helpers shared by the route plugins. */
import type { FastifyReply, FastifyRequest } from "fastify";
import { errors, isId, type IdKind } from "../model";

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 50;

export function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `limit` and opaque `cursor` query parameters of list routes. */
export function pageOf(request: FastifyRequest, kind: IdKind): { limit: number; after?: string } {
  const query = request.query as Record<string, unknown>;
  let limit = DEFAULT_PAGE;
  if (query.limit !== undefined) {
    const text = String(query.limit);
    if (!/^[0-9]{1,4}$/.test(text) || Number(text) < 1 || Number(text) > MAX_PAGE) {
      throw errors.badRequest("invalid_limit", `limit must be an integer from 1 to ${MAX_PAGE}`);
    }
    limit = Number(text);
  }
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = Buffer.from(String(query.cursor), "base64url").toString("utf8");
    if (!isId(kind, after)) throw errors.badRequest("invalid_cursor", "cursor is not one this API issued; start again without it");
  }
  return { limit, after };
}

/** Sets the next page's cursor when the page is full. */
export function setNextCursor(reply: FastifyReply, items: { id: string }[], limit: number): void {
  if (items.length === limit) reply.header("X-Next-Cursor", Buffer.from(items[items.length - 1].id).toString("base64url"));
}

export function bearer(request: FastifyRequest): string | undefined {
  const auth = header(request, "authorization");
  const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return m?.[1];
}
