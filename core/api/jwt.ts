/**
 * Bearer JWT verification: HS256 with a shared secret, or RS256 with keys from
 * a JWKS URL (issuer and audience checked). The algorithm is fixed by the
 * configuration, never taken from the token, so `alg: none` and HS/RS
 * confusion are refused.
 */
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject, type JsonWebKey } from "node:crypto";

export interface AuthConfig {
  /** HS256 secret (SECGROUPS_JWT_SECRET). */
  secret?: string;
  /** RS256 key set URL, e.g. an Auth0 tenant's /.well-known/jwks.json. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Claim naming the organization. */
  orgClaim: string;
  /** Clock skew tolerated on exp/nbf, in seconds. */
  leewaySeconds?: number;
}

export type Claims = Record<string, unknown> & { org: string };

export class TokenError extends Error {}

const b64 = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const head = b64(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64(JSON.stringify(payload));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

/** Parses a duration like `90s`, `15m`, `1h`, `7d` into seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration; use forms like 90s, 15m, 1h, 7d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? "s") as "s"];
}

export class TokenVerifier {
  private jwks?: { keys: Map<string, KeyObject>; fetchedAt: number };

  constructor(private readonly config: AuthConfig) {
    if (!config.secret && !config.jwksUrl) throw new Error("set SECGROUPS_JWT_SECRET or --jwks-url to verify tokens");
  }

  async verify(token: string, now = Date.now() / 1000): Promise<Claims> {
    const parts = token.split(".");
    if (parts.length !== 3) throw new TokenError("the token is not a JWT");
    const [head, body, sig] = parts;
    const header = parseJson(head, "header");
    const claims = parseJson(body, "payload");
    const signed = Buffer.from(`${head}.${body}`);
    const signature = Buffer.from(sig, "base64url");
    if (header.alg === "HS256" && this.config.secret) {
      const expected = createHmac("sha256", this.config.secret).update(signed).digest();
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
        throw new TokenError("the token's signature is invalid");
    } else if (header.alg === "RS256" && this.config.jwksUrl) {
      const key = await this.key(typeof header.kid === "string" ? header.kid : "");
      if (!verify("RSA-SHA256", signed, key, signature)) throw new TokenError("the token's signature is invalid");
    } else {
      throw new TokenError(`tokens signed with ${JSON.stringify(header.alg)} are not accepted`);
    }
    const leeway = this.config.leewaySeconds ?? 30;
    if (typeof claims.exp !== "number") throw new TokenError("the token has no expiry (exp)");
    if (claims.exp + leeway < now) throw new TokenError("the token has expired");
    if (typeof claims.nbf === "number" && claims.nbf - leeway > now) throw new TokenError("the token is not valid yet");
    if (this.config.issuer && claims.iss !== this.config.issuer) throw new TokenError("the token's issuer is not accepted");
    if (this.config.audience) {
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.includes(this.config.audience)) throw new TokenError("the token's audience is not accepted");
    }
    const org = claims[this.config.orgClaim];
    if (typeof org !== "string" || org.length === 0 || org.length > 255) {
      throw new TokenError(`the token has no organization claim "${this.config.orgClaim}"`);
    }
    return { ...claims, org };
  }

  private async key(kid: string): Promise<KeyObject> {
    const fresh = this.jwks && Date.now() - this.jwks.fetchedAt < 600_000;
    if (!fresh || !this.jwks!.keys.has(kid)) await this.refresh();
    const key = this.jwks!.keys.get(kid);
    if (!key) throw new TokenError("the token's signing key is unknown");
    return key;
  }

  private async refresh(): Promise<void> {
    // Never refetch more than once a minute, whatever tokens arrive.
    if (this.jwks && Date.now() - this.jwks.fetchedAt < 60_000) return;
    // An unreachable key set, one that is not JSON or holds a key that does not parse is the
    // token's problem to the caller (401), not an unexpected server error.
    let set: { keys?: (JsonWebKey & { kid?: string; use?: string })[] };
    try {
      const res = await fetch(this.config.jwksUrl!, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      set = (await res.json()) as typeof set;
    } catch {
      throw new TokenError("the key set could not be fetched");
    }
    const keys = new Map<string, KeyObject>();
    for (const jwk of Array.isArray(set?.keys) ? set.keys : []) {
      if (jwk?.kty !== "RSA" || (jwk.use !== undefined && jwk.use !== "sig")) continue;
      try {
        keys.set(typeof jwk.kid === "string" ? jwk.kid : "", createPublicKey({ key: jwk, format: "jwk" }));
      } catch {
        // A malformed key is skipped; tokens naming it get "the token's signing key is unknown".
      }
    }
    this.jwks = { keys, fetchedAt: Date.now() };
  }
}

function parseJson(part: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch {
    /* fall through */
  }
  throw new TokenError(`the token's ${what} is not valid JSON`);
}
