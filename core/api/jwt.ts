/**
 * Bearer JWT verification through `jose`: HS256 with the shared secret, or
 * RS256/ES256/EdDSA with keys from a JWKS URL (fetched on demand, cached,
 * refetched at most once a minute for unknown `kid`s, so key rotation works
 * and junk tokens cannot hammer the identity provider). Which key verifies a
 * token follows from an allow-list per key kind, never from the token alone:
 * `alg: none`, other algorithms and HS/RS confusion are refused. Then the
 * claims we rely on are checked as input: `exp`/`nbf`/`iat` finite numbers,
 * the organization claim a well-formed identifier (core/model/organization.ts),
 * so a strange claim is a 401 that names it, never a 500 from the store.
 */
import { createHmac } from "node:crypto";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as jose,
  jwtVerify,
  type FlattenedJWSInput,
  type JWTHeaderParameters,
  type JWTPayload,
  type KeyLike,
} from "jose";
import { organizationProblem } from "../model";

export interface AuthConfig {
  /** HS256 secret (SECGROUPS_JWT_SECRET). */
  secret?: string;
  /** Key set URL for RS256/ES256/EdDSA tokens, e.g. an Auth0 tenant's /.well-known/jwks.json. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Claim naming the organization. */
  orgClaim: string;
  /** Clock skew tolerated on exp/nbf/iat, in seconds (default 30). */
  leewaySeconds?: number;
}

export type Claims = Record<string, unknown> & { org: string };

/** A token refused: the message says why, for the 401's ErrorResponse. */
export class TokenError extends Error {}

export const DEFAULT_LEEWAY_SECONDS = 30;
/** Verified with the secret. */
const SECRET_ALGORITHMS = ["HS256"];
/** Verified with keys from the key set. */
const JWKS_ALGORITHMS = ["RS256", "ES256", "EdDSA"];
/** An unknown `kid` refetches the key set at most this often. */
const JWKS_COOLDOWN_MS = 60_000;
const JWKS_CACHE_MS = 600_000;
const JWKS_TIMEOUT_MS = 5_000;

/**
 * Signs an HS256 JWT. Kept by hand (it is the easy half) because tests and
 * benchmarks need it synchronous and must be able to sign any payload at all,
 * malformed claims included; verification is jose's.
 */
export function signHs256(payload: Record<string, unknown>, secret: string): string {
  const b64 = (data: string) => Buffer.from(data).toString("base64url");
  const signed = `${b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64(JSON.stringify(payload))}`;
  return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
}

export class TokenVerifier {
  private readonly secret?: Uint8Array;
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly algorithms: string[];
  private readonly leeway: number;

  constructor(private readonly config: AuthConfig) {
    if (!config.secret && !config.jwksUrl) throw new Error("set SECGROUPS_JWT_SECRET or --jwks-url to verify tokens");
    if (config.secret) this.secret = new TextEncoder().encode(config.secret);
    if (config.jwksUrl) {
      this.jwks = createRemoteJWKSet(new URL(config.jwksUrl), {
        cooldownDuration: JWKS_COOLDOWN_MS,
        cacheMaxAge: JWKS_CACHE_MS,
        timeoutDuration: JWKS_TIMEOUT_MS,
      });
    }
    this.algorithms = [...(this.secret ? SECRET_ALGORITHMS : []), ...(this.jwks ? JWKS_ALGORITHMS : [])];
    this.leeway = config.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  }

  /** The token's claims, with the organization; throws TokenError saying what is wrong. `now` in seconds (tests). */
  async verify(token: string, now = Date.now() / 1000): Promise<Claims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, jws) => this.keyFor(header, jws), {
        algorithms: this.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: this.leeway,
        currentDate: new Date(now * 1000),
        requiredClaims: ["exp"],
      }));
    } catch (err) {
      throw refusal(err, token);
    }
    checkTimes(payload, now, this.leeway);
    const claim = this.config.orgClaim;
    const problem = organizationProblem(payload[claim]);
    if (problem) throw new TokenError(`token claim ${JSON.stringify(claim)} ${problem}`);
    return { ...payload, org: payload[claim] as string };
  }

  private async keyFor(header: JWTHeaderParameters, jws: FlattenedJWSInput): Promise<KeyLike | Uint8Array> {
    // `algorithms` already limited alg to what some configured key verifies.
    if (SECRET_ALGORITHMS.includes(header.alg)) {
      if (this.secret) return this.secret;
    } else if (this.jwks) {
      if (typeof header.kid !== "string" || header.kid.length === 0) {
        throw new TokenError(`tokens signed with ${header.alg} must name their key (kid header)`);
      }
      try {
        return await this.jwks(header, jws);
      } catch (err) {
        if (err instanceof jose.JWKSNoMatchingKey || err instanceof jose.JWKSMultipleMatchingKeys) {
          throw new TokenError("the token's signing key is unknown");
        }
        // Down, timed out, not JSON, not a key set: the token cannot be checked (401), the server is fine.
        if (err instanceof jose.JWKSInvalid) throw new TokenError("the key set is not a valid JWKS", { cause: err });
        throw new TokenError("the key set could not be fetched", { cause: err });
      }
    }
    throw new TokenError(`tokens signed with ${JSON.stringify(header.alg)} are not accepted`);
  }
}

/** exp/nbf/iat are numbers (jose checked that): they must also be finite, and iat not in the future. */
function checkTimes(payload: JWTPayload, now: number, leeway: number): void {
  for (const claim of ["exp", "nbf", "iat"] as const) {
    const value = payload[claim];
    if (value !== undefined && !Number.isFinite(value)) {
      throw new TokenError(`token claim "${claim}" must be a finite number of seconds since 1970, got ${value}`);
    }
  }
  if (payload.iat !== undefined && payload.iat > now + leeway) {
    throw new TokenError(`token claim "iat" is in the future (issued at ${payload.iat}, now ${Math.floor(now)}); check the issuer's clock`);
  }
}

/** A jose failure as the sentence the 401 carries. */
function refusal(err: unknown, token: string): TokenError {
  if (err instanceof TokenError) return err;
  if (err instanceof jose.JWTExpired) return new TokenError("the token has expired");
  if (err instanceof jose.JWTClaimValidationFailed) {
    if (err.claim === "exp" && err.reason === "missing") return new TokenError("the token has no expiry (exp)");
    if (err.claim === "nbf" && err.reason === "check_failed") return new TokenError("the token is not valid yet (nbf)");
    if (err.claim === "iss") return new TokenError("the token's issuer is not accepted");
    if (err.claim === "aud") return new TokenError("the token's audience is not accepted");
    if (err.reason === "invalid") return new TokenError(`token claim "${err.claim}" must be a number of seconds since 1970`);
    return new TokenError(`token claim "${err.claim}" is not accepted`);
  }
  if (err instanceof jose.JOSEAlgNotAllowed) return new TokenError(`tokens signed with ${JSON.stringify(algOf(token))} are not accepted`);
  if (err instanceof jose.JWSSignatureVerificationFailed) return new TokenError("the token's signature is invalid");
  if (err instanceof jose.JWTInvalid) return new TokenError("the token's payload is not a JSON object of claims");
  if (err instanceof jose.JWSInvalid) {
    if (token.split(".").length !== 3) return new TokenError("the token is not a JWT (three base64url parts)");
    return new TokenError(`the token is not a valid JWS: ${err.message}`);
  }
  if (err instanceof jose.JOSEError) return new TokenError(`the token is not accepted: ${err.message}`);
  // jose raises TypeError for a key unfit for the algorithm (an RSA key under 2048 bits in the key set, say).
  return new TokenError("the token could not be verified with the configured keys", { cause: err });
}

function algOf(token: string): unknown {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}
