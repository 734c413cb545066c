/**
 * A web tier as CDKTF code: an office prefix list, a web group (HTTP/HTTPS from
 * anywhere in IPv4 and IPv6, SSH from the office) and a database group
 * (PostgreSQL from the members of the web group: a reference to the group, not
 * a subnet), deployed with the local secgroups Terraform provider.
 *
 *   npm run build                                  # the package (dist/)
 *   export TF_CLI_CONFIG_FILE=$(scripts/build-terraform-provider.sh | tail -n1)
 *   export SECGROUPS_ENDPOINT=http://127.0.0.1:8787
 *   export SECGROUPS_TOKEN=$(SECGROUPS_JWT_SECRET=... npx secgroups token --org acme)
 *   cd examples/cdktf-web && npx cdktf deploy --skip-provider-lock --auto-approve
 *
 * Environment (optional): OFFICE_PREFIXES (comma-separated CIDRs,
 * 203.0.113.0/24), SITE_IDS (comma-separated site ids to enforce the groups
 * on), MONITORING_PREFIX_LIST (the name of an existing
 * prefix list, looked up rather than managed here, whose hosts may ping the
 * web servers).
 */
import { App, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ANYWHERE, ANYWHERE_IPV6, DatabaseGroup, PrefixList, SecgroupsProvider, WebServerGroup, echoRequest } from "secgroups/cdktf";

const list = (value: string | undefined, fallback: string[]): string[] =>
  value
    ? value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : fallback;

class WebTier extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // endpoint and token come from SECGROUPS_ENDPOINT / SECGROUPS_TOKEN.
    new SecgroupsProvider(this, "secgroups", {});

    const sites = list(process.env.SITE_IDS, []);

    const office = new PrefixList(this, "office", {
      name: "office",
      description: "Office egress addresses",
      prefixes: list(process.env.OFFICE_PREFIXES, ["203.0.113.0/24"]).map((cidr) => ({ cidr })),
    });

    const web = new WebServerGroup(this, "web", { name: "web", adminSources: [office], sites });
    // Composable: extra rules after the pattern's own ("anywhere" is one rule per family).
    for (const anywhere of [ANYWHERE, ANYWHERE_IPV6]) {
      web.allowInbound({ protocol: 6, port: "8443", address: anywhere, description: "Alt HTTPS" });
    }
    const monitoring = process.env.MONITORING_PREFIX_LIST;
    if (monitoring) {
      // A prefix list another team owns: looked up by name when Terraform plans.
      const monitors = PrefixList.fromLookup(this, "monitoring", { name: monitoring });
      // A prefix list matches the members of the packet's family: ping is ICMP for IPv4, ICMPv6 for IPv6.
      for (const echo of [echoRequest(4), echoRequest(6)]) {
        web.allowInbound({
          protocol: echo.protocol,
          icmp_type: echo.icmp_type,
          address: monitors,
          description: `${echo.name} from monitoring`,
        });
      }
    }

    // PostgreSQL from the members of the web group (whichever sites it is attached to), no subnet.
    const db = new DatabaseGroup(this, "db", { name: "orders-db", engine: "postgres", applicationSources: [web], sites });

    new TerraformOutput(this, "web_group_id", { value: web.securityGroupId });
    new TerraformOutput(this, "db_group_id", { value: db.securityGroupId });
    new TerraformOutput(this, "office_prefix_list_id", { value: office.id });
  }
}

const app = new App();
new WebTier(app, "cdktf-web");
app.synth();
