import { errors, type PendingSite } from "../model";
import { lockingSites } from "../deploy/status";
import type { Deployer } from "../deploy/deployer";
import type { Database } from "../store/database";

/** What every use case needs: storage and the deployer. */
export interface ServiceContext {
  readonly db: Database;
  readonly deployer: Deployer;
}

/** A written resource as the API returns it, with the version its ETag carries. */
export interface Versioned<T> {
  resource: T;
  version: number;
}

export const RETRY_AFTER_SECONDS = 5;

/** `If-Match` values: `"v3"`, `W/"v3"`, `*`, or a comma list of those. */
export function matchesETag(ifMatch: string | undefined, version: number): boolean {
  if (ifMatch === undefined) return true;
  return ifMatch.split(",").some((tag) => {
    const t = tag.trim().replace(/^W\//, "");
    return t === "*" || t === etagOf(version);
  });
}

export function etagOf(version: number): string {
  return `"v${version}"`;
}

/**
 * The checks before any write to a group or prefix list: If-Match, then the
 * seed's `syncing` lock, held only by sites that are online and applying (see
 * core/deploy/status.ts); offline and never-connected sites just queue.
 */
export function guardWrite(kind: string, id: string, version: number, pending: readonly PendingSite[], ifMatch: string | undefined): void {
  if (!matchesETag(ifMatch, version)) {
    throw errors.preconditionFailed(`${kind} ${id} has changed (it is now ${etagOf(version)}); read it again and retry`);
  }
  const locking = lockingSites(pending);
  if (locking.length) {
    const names = locking.map((p) => `${p.site} (revision ${p.revision})`).join(", ");
    throw errors.conflict(
      "resource_syncing",
      `${kind} ${id} is syncing and is locked until its online sites confirm; waiting for ${names}; retry in ${RETRY_AFTER_SECONDS} s`,
      { "Retry-After": String(RETRY_AFTER_SECONDS) },
    );
  }
}
