import { randomBytes } from "node:crypto";

/** Resource kinds and their ID prefixes, as in the Altostrat contract. */
export const ID_PREFIX = {
  securityGroup: "sec_grp_",
  rule: "fltr_",
  prefixList: "prfx_lst_",
  prefix: "prfx_",
  site: "site_",
} as const;

export type IdKind = keyof typeof ID_PREFIX;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KSUID_EPOCH = 1_400_000_000; // seconds; KSUID's epoch (2014-05-13)
/** Characters after an id's prefix. */
export const ID_BODY_LENGTH = 27;

/**
 * A KSUID body: 4 bytes of seconds since the KSUID epoch and 16 random bytes,
 * base62 in 27 characters, so IDs sort by creation time.
 */
export function ksuid(now: number = Date.now()): string {
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(Math.floor(now / 1000) - KSUID_EPOCH, 0);
  randomBytes(16).copy(bytes, 4);
  let n = BigInt("0x" + bytes.toString("hex"));
  let out = "";
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(ID_BODY_LENGTH, "0");
}

export function newId(kind: IdKind, now?: number): string {
  return ID_PREFIX[kind] + ksuid(now);
}

const patterns: Record<IdKind, RegExp> = Object.fromEntries(
  Object.entries(ID_PREFIX).map(([k, p]) => [k, new RegExp(`^${p}[0-9a-zA-Z]{${ID_BODY_LENGTH}}$`)]),
) as Record<IdKind, RegExp>;

export function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === "string" && patterns[kind].test(value);
}

/** The pattern as an OpenAPI `pattern` string. */
export function idPattern(kind: IdKind): string {
  return patterns[kind].source;
}
