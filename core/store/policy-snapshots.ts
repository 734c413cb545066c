/**
 * The policy document a site revision was compiled from, as it is stored:
 * the prefix lists apart, each list's content once by its digest (a piece),
 * and the rest (groups, referenced groups, the lists' piece digests in order)
 * as the snapshot. A threat feed editing one list of 200 then stores one
 * list, not all 100,000 prefixes again, and the deployer serializes and hashes
 * only lists it has not seen in that content (the cache hands out the same
 * frozen object while a list is unchanged).
 */
import { createHash } from "node:crypto";

/** A stored body and the SHA-256 of it. */
export interface Content {
  digest: string;
  body: string;
}

export interface PolicySnapshot extends Content {
  /** The prefix lists' contents, one piece each, in the document's order. */
  pieces: Content[];
}

interface PrefixListLike {
  id: string;
  name: string;
  description: string | null;
  prefixes: readonly { cidr: string; description: string | null }[];
}

/** The key of a snapshot's prefix lists by piece digest (a snapshot with `prefix_lists` inline predates pieces). */
const PIECES_KEY = "prefix_list_pieces";

export function contentDigest(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

export class PolicySnapshotter {
  private readonly pieces = new WeakMap<object, Content>();

  snapshot(doc: { prefix_lists: readonly PrefixListLike[]; [key: string]: unknown }): PolicySnapshot {
    const { prefix_lists: lists, ...rest } = doc;
    const pieces = lists.map((l) => this.piece(l));
    const body = JSON.stringify({ ...rest, [PIECES_KEY]: pieces.map((p) => p.digest) });
    return { digest: contentDigest(body), body, pieces };
  }

  private piece(list: PrefixListLike): Content {
    let piece = this.pieces.get(list);
    if (!piece) {
      // The content only: the cache's token is random per write and would make equal lists differ.
      const body = JSON.stringify({ id: list.id, name: list.name, description: list.description, prefixes: list.prefixes });
      piece = { digest: contentDigest(body), body };
      this.pieces.set(list, piece);
    }
    return piece;
  }
}

/** The piece digests a stored snapshot names; undefined for one stored before pieces (its lists inline: it is the document). */
export function snapshotPieces(body: string): string[] | undefined {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return Array.isArray(parsed[PIECES_KEY]) ? (parsed[PIECES_KEY] as string[]) : undefined;
}

/** The policy document text of a stored snapshot, its prefix lists put back from their pieces (by digest). */
export function assembleSnapshot(body: string, pieces: ReadonlyMap<string, string>): string {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const digests = parsed[PIECES_KEY];
  if (!Array.isArray(digests)) return body;
  const { [PIECES_KEY]: _, ...rest } = parsed;
  const lists = (digests as string[]).map((d) => {
    const piece = pieces.get(d);
    if (piece === undefined) throw new Error(`policy snapshot names prefix list piece ${d}, which is not stored`);
    return JSON.parse(piece) as unknown;
  });
  return JSON.stringify({ prefix_lists: lists, ...rest });
}
