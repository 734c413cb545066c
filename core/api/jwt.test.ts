import { generateKeyPairSync, createSign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseDuration, signHs256, TokenVerifier } from "./jwt";

const secret = "test-secret";
const now = 1_800_000_000;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("TokenVerifier (HS256)", () => {
  const verifier = new TokenVerifier({ secret, orgClaim: "org" });

  it("accepts a token it signed and returns the organization", async () => {
    const claims = await verifier.verify(signHs256({ org: "acme", exp: now + 60 }, secret), now);
    expect(claims.org).toBe("acme");
  });

  it.each([
    ["a wrong signature", signHs256({ org: "acme", exp: now + 60 }, "other"), /signature/],
    ["an expired token", signHs256({ org: "acme", exp: now - 120 }, secret), /expired/],
    ["a token without exp", signHs256({ org: "acme" }, secret), /expiry/],
    ["a not-yet-valid token", signHs256({ org: "acme", exp: now + 600, nbf: now + 300 }, secret), /not valid yet/],
    ["a token without org", signHs256({ exp: now + 60 }, secret), /organization/],
    ["alg none", `${b64({ alg: "none" })}.${b64({ org: "acme", exp: now + 60 })}.`, /not accepted/],
    ["garbage", "not-a-jwt", /not a JWT/],
  ])("refuses %s", async (_label, token, message) => {
    await expect(verifier.verify(token, now)).rejects.toThrow(message);
  });

  it("tolerates 30 s of clock skew and no more", async () => {
    await expect(verifier.verify(signHs256({ org: "a", exp: now - 20 }, secret), now)).resolves.toBeTruthy();
    await expect(verifier.verify(signHs256({ org: "a", exp: now - 40 }, secret), now)).rejects.toThrow(/expired/);
  });
});

describe("TokenVerifier (RS256 via JWKS)", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", use: "sig" };
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  function rs256(payload: object, kid = "k1"): string {
    const signing = `${b64({ alg: "RS256", kid })}.${b64(payload)}`;
    return `${signing}.${createSign("RSA-SHA256").update(signing).sign(privateKey).toString("base64url")}`;
  }

  it("accepts a token with the right issuer and audience", async () => {
    const v = new TokenVerifier({ jwksUrl: url, issuer: "https://idp/", audience: "secgroups", orgClaim: "org" });
    const claims = await v.verify(rs256({ org: "acme", iss: "https://idp/", aud: ["secgroups"], exp: now + 60 }), now);
    expect(claims.org).toBe("acme");
  });

  it("refuses another issuer or audience", async () => {
    const v = new TokenVerifier({ jwksUrl: url, issuer: "https://idp/", audience: "secgroups", orgClaim: "org" });
    await expect(v.verify(rs256({ org: "a", iss: "https://evil/", aud: "secgroups", exp: now + 60 }), now)).rejects.toThrow(/issuer/);
    await expect(v.verify(rs256({ org: "a", iss: "https://idp/", aud: "other", exp: now + 60 }), now)).rejects.toThrow(/audience/);
  });

  it("refuses an HS256 token signed with the public key (algorithm confusion)", async () => {
    const v = new TokenVerifier({ jwksUrl: url, orgClaim: "org" });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    await expect(v.verify(signHs256({ org: "a", exp: now + 60 }, pem), now)).rejects.toThrow(/not accepted/);
  });
});

describe("parseDuration", () => {
  it.each([
    ["90s", 90],
    ["15m", 900],
    ["1h", 3600],
    ["7d", 604800],
    ["30", 30],
  ])("%s is %d seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
  it("refuses other forms", () => expect(() => parseDuration("1w")).toThrow(/not a duration/));
});
