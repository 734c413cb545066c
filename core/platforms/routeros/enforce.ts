/**
 * RouterOS enforces on its own: no agent runs on a router. The router fetches
 * its script from the control plane on a schedule and imports it (bootstrap in
 * docs/routeros.md); this is the script it is served, and the confirmation that
 * reports the revision once every line of it is in force.
 */

/** A site's current revision, as the control plane stores it. */
export interface RouterosRevision {
  revision: number;
  digest: string;
  /** False: no group is attached to the site. */
  managed: boolean;
  /** The rendered script (empty when unmanaged). */
  config: string;
}

/** What a router fetching its script gets: the revision's script (or the removal of ours), then the confirmation. */
export function servedRouterosScript(current: RouterosRevision): string {
  return (current.managed ? current.config : ROUTEROS_UNMANAGED) + routerosConfirmation(current.revision, current.digest);
}

/**
 * No group attached: remove everything secgroups put on the router, IPv4 and
 * IPv6, but not the bootstrap's control-plane entries (comment
 * "secgroups:bootstrap"): without them the router could not fetch its next
 * script once a group is attached again.
 */
export const ROUTEROS_UNMANAGED = [
  "# secgroups: no group is attached to this site; nothing of ours filters",
  ...["/ip", "/ipv6"].flatMap((menu) => [
    `${menu} firewall filter remove [find where comment~"^secgroups:"]`,
    `${menu} firewall address-list remove [find where comment~"^secgroups:(a|b):list"]`,
  ]),
  "",
].join("\n");

/**
 * Appended to the served RouterOS script: `/import` stops at the first failing
 * line, so this report is only sent once everything above is in force. The
 * bootstrap (docs/routeros.md) sets the two globals; without them the script
 * still imports, it just does not confirm.
 */
export function routerosConfirmation(revision: number, digest: string): string {
  const body = JSON.stringify({ revision, status: "applied", digest }).replace(/"/g, '\\"');
  return [
    "",
    `# secgroups: confirm revision ${revision} (reached only when every line above was imported)`,
    ":global secgroupsEndpoint",
    ":global secgroupsToken",
    `:if ([:typeof $secgroupsEndpoint] = "str") do={ /tool fetch url=($secgroupsEndpoint . "/agent/v1/report") http-method=post http-header-field=("Authorization: Bearer " . $secgroupsToken . ",Content-Type: application/json") http-data="${body}" output=none }`,
    "",
  ].join("\n");
}
