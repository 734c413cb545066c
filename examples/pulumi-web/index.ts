/**
 * A web tier as code: an office prefix list, a web group and a database group,
 * each enforced on its own site. The database allows PostgreSQL from the
 * members of the web group (the sites it is attached to, at the addresses
 * they declare or their agents report), not from a subnet written down.
 *
 *   pulumi config set secgroups:endpoint http://127.0.0.1:8787
 *   pulumi config set --secret secgroups:token "$(npx secgroups token --org acme)"
 *   pulumi up
 *
 * Config (all optional): platform (nftables), webPorts ("80,443"),
 * webAddresses (JSON list of CIDRs web-1 declares; default none: the
 * addresses its agent reports), officePrefixes (JSON list of CIDRs),
 * agentTokenDir (lab only: writes each site's agent token to DIR/NAME.token).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PrefixList, SecurityGroup, Site } from "secgroups/pulumi";

const config = new pulumi.Config();
const platform = (config.get("platform") ?? "nftables") as "nftables" | "iptables" | "routeros";
const webPorts = config.get("webPorts") ?? "80,443";
const webAddresses = config.getObject<string[]>("webAddresses") ?? [];
const officePrefixes = config.getObject<string[]>("officePrefixes") ?? ["198.51.100.0/24", "203.0.113.0/28"];

const webSite = new Site("web-1", { name: "web-1", platform, addresses: webAddresses });
const dbSite = new Site("db-1", { name: "db-1", platform });

const office = new PrefixList("office", {
  name: "office",
  description: "Office egress addresses",
  prefixes: officePrefixes.map((cidr, i) => ({ cidr, description: i === 0 ? "headquarters" : `branch ${i}` })),
});

const web = new SecurityGroup("web", {
  name: "web",
  description: "Web servers: HTTP(S) from anywhere, SSH from the office",
  rules: [
    { direction: "inbound", order: 10, protocol: 6, port: webPorts, address: "0.0.0.0/0", description: "HTTP and HTTPS" },
    { direction: "inbound", order: 20, protocol: 6, port: "22", address: office.id, description: "SSH from the office" },
    { direction: "inbound", order: 30, protocol: 1, port: "", address: "0.0.0.0/0", description: "ping", icmp_type: 8 },
    { direction: "outbound", order: 100, protocol: 0, port: "", address: "0.0.0.0/0", description: "all outbound" },
  ],
  sites: [webSite.id],
});

const database = new SecurityGroup("database", {
  name: "database",
  description: "PostgreSQL: only from the web tier; SSH from the office",
  rules: [
    { direction: "inbound", order: 10, protocol: 6, port: "5432", address: web.id, description: "PostgreSQL from the web group" },
    { direction: "inbound", order: 20, protocol: 6, port: "22", address: office.id, description: "SSH from the office" },
    { direction: "outbound", order: 100, protocol: 17, port: "53", address: "0.0.0.0/0", description: "DNS" },
    { direction: "outbound", order: 110, protocol: 6, port: "80,443", address: "0.0.0.0/0", description: "package mirrors" },
  ],
  sites: [dbSite.id],
});

// Lab only: hand the agent tokens to local agents while `pulumi up` waits for them.
const agentTokenDir = config.get("agentTokenDir");
if (agentTokenDir) {
  for (const site of [webSite, dbSite]) {
    pulumi.all([site.name, site.token]).apply(([name, token]) => {
      fs.mkdirSync(agentTokenDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(agentTokenDir, `${name}.token`), token, { mode: 0o600 });
    });
  }
}

export const officeId = office.id;
export const webGroupId = web.id;
export const webStatus = web.status;
export const databaseGroupId = database.id;
export const databaseStatus = database.status;
export const siteIds = { "web-1": webSite.id, "db-1": dbSite.id };
/** `pulumi stack output siteTokens --show-secrets`, for `secgroups agent --site-token`. */
export const siteTokens = pulumi.secret({ "web-1": webSite.token, "db-1": dbSite.token });
