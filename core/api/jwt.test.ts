import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from "jose";
import { signHs256, TokenError, TokenVerifier } from "./jwt";

const secret = "test-secret";
const now = 1_800_000_000;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const hs = (payload: Record<string, unknown>) => signHs256(payload, secret);

describe("TokenVerifier (HS256)", () => {
  const verifier = new TokenVerifier({ secret, orgClaim: "org" });

  it("accepts a token it signed and returns the organization", async () => {
    const claims = await verifier.verify(hs({ org: "acme", exp: now + 60 }), now);
    expect(claims.org).toBe("acme");
  });

  it.each([
    ["a wrong signature", signHs256({ org: "acme", exp: now + 60 }, "other"), /signature/],
    ["an expired token", hs({ org: "acme", exp: now - 120 }), /expired/],
    ["a token without exp", hs({ org: "acme" }), /expiry/],
    ["a not-yet-valid token", hs({ org: "acme", exp: now + 600, nbf: now + 300 }), /not valid yet/],
    ["a token without org", hs({ exp: now + 60 }), /token claim "org" is missing; the token must name the organization/],
    ["alg none", `${b64({ alg: "none" })}.${b64({ org: "acme", exp: now + 60 })}.`, /"none" are not accepted/],
    ["garbage", "not-a-jwt", /not a JWT/],
  ])("refuses %s", async (_label, token, message) => {
    await expect(verifier.verify(token, now)).rejects.toThrow(message);
  });

  it("tolerates 30 s of clock skew by default and no more", async () => {
    await expect(verifier.verify(hs({ org: "a", exp: now - 20 }), now)).resolves.toBeTruthy();
    await expect(verifier.verify(hs({ org: "a", exp: now - 40 }), now)).rejects.toThrow(/expired/);
    await expect(verifier.verify(hs({ org: "a", exp: now + 60, nbf: now + 20 }), now)).resolves.toBeTruthy();
    await expect(verifier.verify(hs({ org: "a", exp: now + 60, nbf: now + 40 }), now)).rejects.toThrow(/not valid yet/);
  });

  it("takes the clock-skew leeway from the configuration", async () => {
    const strict = new TokenVerifier({ secret, orgClaim: "org", leewaySeconds: 0 });
    await expect(strict.verify(hs({ org: "a", exp: now - 1 }), now)).rejects.toThrow(/expired/);
    const loose = new TokenVerifier({ secret, orgClaim: "org", leewaySeconds: 300 });
    await expect(loose.verify(hs({ org: "a", exp: now - 200 }), now)).resolves.toBeTruthy();
  });

  it("reads the organization from the configured claim", async () => {
    const v = new TokenVerifier({ secret, orgClaim: "https://example.com/tenant" });
    const claims = await v.verify(hs({ "https://example.com/tenant": "acme", org: "ignored", exp: now + 60 }), now);
    expect(claims.org).toBe("acme");
    await expect(v.verify(hs({ org: "acme", exp: now + 60 }), now)).rejects.toThrow(
      /token claim "https:\/\/example.com\/tenant" is missing/,
    );
  });

  it.each([
    ["a NUL in org", { org: "acme\u0000" }, /token claim "org" contains U\+0000 \(a control character\)/],
    ["DEL", { org: "ac\u007fme" }, /U\+007F \(a control character\)/],
    ["a C1 control", { org: "ac\u0085me" }, /U\+0085 \(a control character\)/],
    ["a newline", { org: "acme\nadmin" }, /U\+000A/],
    ["an unpaired surrogate", { org: "acme\ud800" }, /U\+D800 \(an unpaired surrogate\)/],
    ["a bidi override", { org: "acme\u202e" }, /U\+202E \(a format character\)/],
    ["a zero-width space", { org: "ac\u200bme" }, /U\+200B \(a format character\)/],
    ["a private-use character", { org: "acme\ue000" }, /U\+E000 \(a private-use character\)/],
    ["a no-break space", { org: "acme\u00a0inc" }, /U\+00A0 \(a separator other than the space\)/],
    ["org not NFC (decomposed é)", { org: "cafe\u0301" }, /must be in Unicode normalization form NFC/],
    ["org 129 characters", { org: "x".repeat(129) }, /must be at most 128 characters, got 129/],
    ["an empty org", { org: "" }, /must not be empty/],
    ["a leading space", { org: " acme" }, /must not start or end with a space/],
    ["org a number", { org: 42 }, /token claim "org" must be a string, got a number/],
    ["org an object", { org: { $ne: "" } }, /must be a string, got an object/],
    ["org an array", { org: ["acme"] }, /must be a string, got an array/],
    ["org null", { org: null }, /must be a string, got null/],
    ["exp a string", { org: "a", exp: String(now + 60) }, /token claim "exp" must be a number/],
    ["exp an object", { org: "a", exp: { $gt: 0 } }, /token claim "exp" must be a number/],
    ["nbf a boolean", { org: "a", nbf: true }, /token claim "nbf" must be a number/],
    ["iat a string", { org: "a", iat: "yesterday" }, /token claim "iat" must be a number/],
    ["iat in the future", { org: "a", iat: now + 3600 }, /token claim "iat" is in the future/],
  ])("refuses %s with a 401 message naming the claim", async (_label, claims, message) => {
    await expect(verifier.verify(hs({ exp: now + 60, ...claims }), now)).rejects.toThrow(message);
  });

  it("refuses non-finite times (1e400 in the JSON is Infinity)", async () => {
    const raw = (body: string) => {
      const signed = `${b64({ alg: "HS256" })}.${Buffer.from(body).toString("base64url")}`;
      return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
    };
    await expect(verifier.verify(raw(`{"org":"a","exp":1e400}`), now)).rejects.toThrow(/token claim "exp" must be a finite number/);
    await expect(verifier.verify(raw(`{"org":"a","exp":${now + 60},"iat":-1e400}`), now)).rejects.toThrow(
      /token claim "iat" must be a finite number/,
    );
    await expect(verifier.verify(raw(`{"org":"a","exp":${now + 60},"nbf":-1e400}`), now)).rejects.toThrow(
      /token claim "nbf" must be a finite number/,
    );
  });

  it("accepts organizations of any script, with punctuation, symbols and inner spaces", async () => {
    for (const org of ["Acme Inc.", "org_2abc", "tenant:eu-1/team@acme", "東京", "Ελληνικά", "café", "x".repeat(128), "🚀 launch"]) {
      expect((await verifier.verify(hs({ org, exp: now + 60 }), now)).org).toBe(org);
    }
  });

  it("refuses RS256 tokens when no key set is configured", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT({ org: "a" })
      .setProtectedHeader({ alg: "RS256", kid: "k" })
      .setExpirationTime(now + 60)
      .sign(privateKey);
    await expect(verifier.verify(token, now)).rejects.toThrow(/"RS256" are not accepted/);
  });
});

describe("TokenVerifier with a key set (RS256, ES256, EdDSA)", () => {
  const keys: Record<string, { privateKey: KeyLike; jwk: JWK }> = {};
  /** What the key-set server serves now. */
  let served: JWK[] = [];
  let hits = 0;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    for (const [kid, alg] of [
      ["rsa-1", "RS256"],
      ["ec-1", "ES256"],
      ["ed-1", "EdDSA"],
      ["rsa-2", "RS256"],
    ]) {
      const pair = await generateKeyPair(alg, { crv: alg === "EdDSA" ? "Ed25519" : undefined });
      keys[kid] = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" } };
    }
    served = [keys["rsa-1"].jwk, keys["ec-1"].jwk, keys["ed-1"].jwk];
    server = createServer((_req, res) => {
      hits++;
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  function sign(kid: string, payload: Record<string, unknown> = {}, alg = keys[kid].jwk.alg!): Promise<string> {
    return new SignJWT({ org: "acme", iss: "https://idp/", aud: ["secgroups"], ...payload })
      .setProtectedHeader({ alg, kid })
      .setExpirationTime(now + 60)
      .sign(keys[kid].privateKey);
  }
  const verifierOf = () => new TokenVerifier({ jwksUrl: url, issuer: "https://idp/", audience: "secgroups", orgClaim: "org" });

  it.each(["rsa-1", "ec-1", "ed-1"])("accepts a %s token with the right issuer and audience", async (kid) => {
    expect((await verifierOf().verify(await sign(kid), now)).org).toBe("acme");
  });

  it("refuses another issuer or audience", async () => {
    const v = verifierOf();
    await expect(v.verify(await sign("rsa-1", { iss: "https://evil/" }), now)).rejects.toThrow(/issuer/);
    await expect(v.verify(await sign("rsa-1", { aud: "other" }), now)).rejects.toThrow(/audience/);
  });

  it("refuses an HS256 token signed with the public key (algorithm confusion)", async () => {
    const v = new TokenVerifier({ jwksUrl: url, orgClaim: "org" });
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    await expect(v.verify(signHs256({ org: "a", exp: now + 60 }, pem), now)).rejects.toThrow(/"HS256" are not accepted/);
  });

  it("refuses a token without kid, an unknown kid, and another algorithm on a known key", async () => {
    const v = verifierOf();
    const noKid = await new SignJWT({ org: "acme", iss: "https://idp/", aud: "secgroups" })
      .setProtectedHeader({ alg: "RS256" })
      .setExpirationTime(now + 60)
      .sign(keys["rsa-1"].privateKey);
    await expect(v.verify(noKid, now)).rejects.toThrow(/must name their key \(kid header\)/);
    await expect(v.verify(await sign("rsa-2"), now)).rejects.toThrow(/signing key is unknown/);
    await expect(v.verify(await sign("rsa-1", {}, "PS256"), now)).rejects.toThrow(/"PS256" are not accepted/);
    await expect(v.verify(await sign("rsa-1", {}, "RS512"), now)).rejects.toThrow(/"RS512" are not accepted/);
  });

  it("picks up a rotated key (new kid), refetching at most once a minute however many unknown kids arrive", async () => {
    jest.useFakeTimers({
      doNotFake: ["nextTick", "setImmediate", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask"],
    });
    try {
      jest.setSystemTime(new Date(now * 1000));
      const v = verifierOf();
      await v.verify(await sign("rsa-1"), now);
      const before = hits;
      // The identity provider rotates: rsa-2 appears. Within the minute after the last fetch, neither
      // 20 unknown kids nor rsa-2 refetch the set (rsa-2 is refused meanwhile).
      served = [keys["rsa-2"].jwk, keys["rsa-1"].jwk];
      const junk = await new SignJWT({ org: "a" })
        .setProtectedHeader({ alg: "RS256", kid: "junk" })
        .setExpirationTime(now + 60)
        .sign(keys["rsa-1"].privateKey);
      for (let i = 0; i < 20; i++) await expect(v.verify(junk, now)).rejects.toThrow(/unknown/);
      await expect(v.verify(await sign("rsa-2"), now)).rejects.toThrow(/unknown/);
      expect(hits - before).toBe(0);
      // A minute later the first token with the new kid refetches once and is accepted.
      jest.setSystemTime(new Date((now + 61) * 1000));
      expect((await v.verify(await sign("rsa-2"), now)).org).toBe("acme");
      expect(hits - before).toBe(1);
    } finally {
      jest.useRealTimers();
      served = [keys["rsa-1"].jwk, keys["ec-1"].jwk, keys["ed-1"].jwk];
    }
  });

  it("a key set that cannot be fetched is a TokenError (401), not a crash", async () => {
    const v = new TokenVerifier({ jwksUrl: "http://127.0.0.1:1/jwks.json", orgClaim: "org" });
    await expect(v.verify(await sign("rsa-1"), now)).rejects.toThrow(TokenError);
    await expect(v.verify(await sign("rsa-1"), now)).rejects.toThrow(/key set could not be fetched/);
  });
});
