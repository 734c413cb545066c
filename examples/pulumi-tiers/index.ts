/**
 * A web tier and its database as code, with no subnet written down: the
 * database group allows PostgreSQL from the *web group*, so whichever sites
 * are attached to the web group (now or later) may connect, at the addresses
 * their agents report (or the ones a site declares). The main job
 * (scripts/main.sh) brings it up, then adds a second web site with one config
 * change and shows it reaching the database with no change to the database group.
 *
 *   pulumi config set secgroups:endpoint http://127.0.0.1:8787
 *   pulumi config set --secret secgroups:token "$(npx secgroups token --org acme)"
 *   pulumi config set webSites '["web-1","web-2"]'    # one config change adds a web server
 *   pulumi up
 *
 * Config (all optional): platform (nftables), webSites (JSON list of site
 * names, default ["web-1"]), officePrefixes (JSON list of CIDRs),
 * siteAddresses (JSON object: site name -> declared CIDRs; default: what each
 * agent reports), agentTokenDir (lab only: writes each site's agent token to
 * DIR/NAME.token).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseGroup, Peer, Port, PrefixList, Site, WebServerGroup } from "secgroups/pulumi";

const config = new pulumi.Config();
const platform = (config.get("platform") ?? "nftables") as "nftables" | "iptables" | "routeros";
const webSiteNames = config.getObject<string[]>("webSites") ?? ["web-1"];
const officePrefixes = config.getObject<string[]>("officePrefixes") ?? ["198.51.100.0/24", "203.0.113.0/28"];
const siteAddresses = config.getObject<Record<string, string[]>>("siteAddresses") ?? {};

const site = (name: string) => new Site(name, { name, platform, addresses: siteAddresses[name] ?? [] });
const webSites = webSiteNames.map(site);
const dbSite = site("db-1");

const office = new PrefixList("office", {
  name: "office",
  description: "Office egress addresses",
  prefixes: officePrefixes.map((cidr, i) => ({ cidr, description: i === 0 ? "headquarters" : `branch ${i}` })),
});

// HTTP and HTTPS from anywhere (IPv4 and IPv6), SSH from the office, all outbound.
const web = new WebServerGroup("web", {
  name: "web",
  description: "Web servers: HTTP(S) from anywhere, SSH from the office",
  adminSources: [office],
  sites: webSites,
});
web.allowFrom(Peer.anyIpv4(), Port.icmpPing(), "ping");

// PostgreSQL from the members of the web group: a reference, not a subnet.
const database = new DatabaseGroup("database", {
  name: "database",
  description: "PostgreSQL: only from the web tier; SSH from the office",
  engine: "postgres",
  applicationSources: [web],
  sites: [dbSite],
  outbound: [
    { protocol: 17, port: "53", address: Peer.anyIpv4(), description: "DNS" },
    { protocol: 6, port: "80,443", address: Peer.anyIpv4(), description: "package mirrors" },
  ],
});
database.allowFrom(office, Port.tcp(22), "SSH from the office");

// Lab only: hand the agent tokens to local agents while `pulumi up` waits for them.
const agentTokenDir = config.get("agentTokenDir");
if (agentTokenDir) {
  for (const s of [...webSites, dbSite]) {
    pulumi.all([s.name, s.token]).apply(([name, token]) => {
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
export const siteIds = Object.fromEntries([...webSites, dbSite].map((s, i) => [[...webSiteNames, "db-1"][i], s.id]));
/** `pulumi stack output siteTokens --show-secrets`, for `secgroups agent --site-token`. */
export const siteTokens = pulumi.secret(Object.fromEntries([...webSites, dbSite].map((s, i) => [[...webSiteNames, "db-1"][i], s.token])));
