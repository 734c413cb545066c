import { randomUUID } from "node:crypto";
import { signHs256 } from "../../api/jwt";
import { organizationProblem } from "../../model";
import type { Command } from "../command";
import { UsageError } from "../command";
import { parseDuration } from "../duration";

export const token: Command = {
  usage: `Usage: secgroups token --org ORG [--ttl 1h] [--sub NAME]

Prints an HS256 JWT whose "org" claim is ORG, for the API's Bearer auth.

Options:
  --org ORG     organization the token acts for (required)
  --ttl DUR     lifetime, whole seconds: 90s, 15m, 1h, 7d; a bare number is seconds (default 1h)
  --sub NAME    subject claim (default secgroups-cli)

Environment:
  SECGROUPS_JWT_SECRET   the signing secret (required; the same one \`serve\` verifies with)`,
  options: {
    org: { type: "string" },
    ttl: { type: "string", default: "1h" },
    sub: { type: "string", default: "secgroups-cli" },
  },
  async run(v) {
    if (v.org === undefined) throw new UsageError("--org is required");
    // The same rule serve applies to the claim: a token it would refuse is not printed.
    const problem = organizationProblem(v.org);
    if (problem) throw new UsageError(`--org ${problem}`);
    const ttl = parseDuration(v.ttl as string, "--ttl", { minMs: 1000, wholeSeconds: true }) / 1000;
    const secret = process.env.SECGROUPS_JWT_SECRET;
    if (!secret) throw new Error("SECGROUPS_JWT_SECRET is not set");
    const now = Math.floor(Date.now() / 1000);
    console.log(signHs256({ org: v.org, sub: v.sub, iat: now, exp: now + ttl, jti: randomUUID() }, secret));
  },
};
