import { createHash } from "node:crypto";
import { ApiError } from "../model";
import type { Queryable } from "../store/database";
import { claimKey, storeResponse } from "../store/idempotency";

export interface Created<T> {
  status: number;
  body: T;
  /** True when the response is a replay of an earlier request with the same key. */
  replayed: boolean;
}

/** Idempotency-Key values: 1-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Runs a create inside `tx` at most once per Idempotency-Key: the same key
 * and body replay the first response; the same key with another body is 422.
 */
export async function onceper<T>(
  tx: Queryable,
  orgId: string,
  key: string | undefined,
  route: string,
  body: unknown,
  create: () => Promise<T>,
): Promise<Created<T>> {
  if (key === undefined) return { status: 201, body: await create(), replayed: false };
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError("invalid_idempotency_key", "Idempotency-Key must be 1-255 visible ASCII characters");
  }
  const hash = createHash("sha256").update(route).update("\0").update(JSON.stringify(body)).digest("hex");
  const claim = await claimKey(tx, orgId, key, route, hash);
  if (!claim.claimed) {
    if (claim.requestHash !== hash || claim.route !== route) {
      throw new ApiError(
        "idempotency_key_reused",
        "this Idempotency-Key was already used with a different request; use a new key for a new request",
      );
    }
    if (claim.status !== null && claim.response !== null) {
      return { status: claim.status, body: JSON.parse(claim.response) as T, replayed: true };
    }
  }
  const result = await create();
  await storeResponse(tx, orgId, key, 201, result);
  return { status: 201, body: result, replayed: false };
}
