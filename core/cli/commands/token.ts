import { randomUUID } from "node:crypto";
import { parseDuration, signHs256 } from "../../api/jwt";
import type { Command } from "../command";
import { UsageError } from "../command";

export const token: Command = {
  usage: `Usage: secgroups token --org ORG [--ttl 1h] [--sub NAME]

Prints an HS256 JWT whose "org" claim is ORG, for the API's Bearer auth.

Options:
  --org ORG     organization the token acts for (required)
  --ttl DUR     lifetime: 90s, 15m, 1h, 7d (default 1h)
  --sub NAME    subject claim (default secgroups-cli)

Environment:
  SECGROUPS_JWT_SECRET   the signing secret (required; the same one \`serve\` verifies with)`,
  options: {
    org: { type: "string" },
    ttl: { type: "string", default: "1h" },
    sub: { type: "string", default: "secgroups-cli" },
  },
  async run(v) {
    if (!v.org) throw new UsageError("--org is required");
    const secret = process.env.SECGROUPS_JWT_SECRET;
    if (!secret) throw new Error("SECGROUPS_JWT_SECRET is not set");
    let ttl: number;
    try {
      ttl = parseDuration(v.ttl as string);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const now = Math.floor(Date.now() / 1000);
    console.log(signHs256({ org: v.org, sub: v.sub, iat: now, exp: now + ttl, jti: randomUUID() }, secret));
  },
};
