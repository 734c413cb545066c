/**
 * The agent wire protocol (/agent/v1), declared once for both ends: the
 * control plane serves AgentConfig and checks AgentReport with these, the
 * agent (core/agent/client.ts) checks what it receives with them.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Checker, type Result } from "./check";
import { LIMITS } from "./limits";
import { hinted, IdOf, Nullable, StringEnum } from "./kit";
import { PlatformField, SITE_MODES } from "./site";

const revision = (description: string) => Type.Integer({ minimum: LIMITS.revision.min, maximum: LIMITS.revision.max, description });
const digest = (description: string) => Type.String({ pattern: "^[0-9a-f]{64}$", description });

/** GET /agent/v1/config: the site's compiled configuration. */
export const AgentConfig = Type.Object(
  {
    site_id: IdOf("site"),
    revision: revision("The revision this configuration is."),
    digest: digest("SHA-256 (hex) of `config`; the agent reports it back."),
    managed: Type.Boolean({ description: "False: no group is attached; the agent removes our ruleset and filters nothing." }),
    platform: PlatformField,
    mode: StringEnum(SITE_MODES),
    config: Type.String({ description: "The compiled configuration for the site's platform." }),
  },
  { $id: "AgentConfig", description: "What a site's agent enforces." },
);
export type AgentConfig = Static<typeof AgentConfig>;

export const REPORT_STATUSES = ["applied", "failed"] as const;

/** POST /agent/v1/report. Fields it does not know are ignored, so newer agents can talk to older control planes. */
export const AgentReport = Type.Object(
  {
    revision: revision("The revision the agent applied or failed to apply."),
    status: StringEnum(REPORT_STATUSES),
    error: Type.Optional(
      Nullable(
        hinted(Type.String({ description: "Why it failed; NUL characters are dropped and the text is cut at 4,000 characters." }), {
          content: "any",
        }),
        {
          default: null,
        },
      ),
    ),
    digest: Type.Optional(
      Nullable(Type.String({ description: "The digest of the configuration it enforces (AgentConfig.digest)." }), { default: null }),
    ),
    drift: Type.Optional(
      Type.Boolean({ default: false, description: "Whether the agent found our ruleset altered by hand (and restored it)." }),
    ),
  },
  { $id: "AgentReport", description: "The outcome of applying one revision." },
);
export type AgentReport = Static<typeof AgentReport>;

export type CheckedAgentReport = Required<{ [K in keyof AgentReport]: Exclude<AgentReport[K], undefined> }> & {
  error: string | null;
  digest: string | null;
};

export function validateAgentReport(body: unknown): Result<CheckedAgentReport> {
  const c = new Checker();
  return c.result(c.check(AgentReport, body) as CheckedAgentReport);
}

/** PUT /agent/v1/addresses: the site's interface addresses, replacing what it reported before. */
export const AgentAddresses = Type.Object(
  {
    addresses: Type.Array(
      hinted(Type.String({ maxLength: LIMITS.prefixCidr, description: "A host address as a CIDR: 10.0.1.5/32, 2001:db8::5/128." }), {
        content: "parsed",
      }),
      {
        maxItems: LIMITS.siteAddresses,
        description:
          "The global unicast addresses of the site's interfaces, each a /32 or /128; never unspecified, loopback, link-local or multicast. [] when it has none.",
      },
    ),
  },
  { $id: "AgentAddresses", description: "The addresses a site's agent reports for its site (used while the site declares none)." },
);
export type AgentAddresses = Static<typeof AgentAddresses>;

/** What the agent checks a config poll's body with; unknown fields are ignored, as on the server's side. */
export function validateAgentConfig(body: unknown): Result<AgentConfig> {
  const c = new Checker({ ignoreUnknownFields: true });
  return c.result(c.check(AgentConfig, body) as AgentConfig);
}
