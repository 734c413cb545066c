/**
 * `secgroups export --pulumi|--terraform|--cdktf`: stack code for what an
 * organization already has (core/cli/stack-code.ts). Each resource adopts the
 * existing object: Pulumi's `adopt: "<id>"` (`pulumi import` cannot adopt
 * dynamic-provider resources: it needs a provider package with a schema),
 * Terraform `import` blocks, CDKTF `importFrom`; so the first run takes the
 * object over instead of creating a copy.
 */
import type { Command } from "../command";
import { UsageError } from "../command";
import { API_OPTIONS, API_OPTIONS_HELP, apiSettings, fetchInventory, type Inventory } from "../api-client";
import { renderStack, STACK_FORMATS, type StackFormat } from "../stack-code";

export { fetchInventory, type Inventory };

export const exportCommand: Command = {
  usage: `Usage: secgroups export --pulumi|--terraform|--cdktf [--endpoint URL] [--token JWT]

Reads every site, prefix list and security group the token's organization has
and prints stack code that manages them. Each resource adopts the existing one,
so the first run updates it in place instead of creating a copy:
Pulumi resources carry \`adopt: "<id>"\` (\`pulumi import\` does not work for the
dynamic resources of secgroups/pulumi), Terraform gets \`import\` blocks
(Terraform 1.5 or later), CDKTF resources call \`importFrom(id)\`.

Options:
  --pulumi          a Pulumi TypeScript program (secgroups/pulumi)
  --terraform       a Terraform configuration (secgroups_* resources)
  --cdktf           a CDKTF TypeScript program (secgroups/cdktf)
${API_OPTIONS_HELP}

Environment:
  SECGROUPS_ENDPOINT, SECGROUPS_TOKEN`,
  options: {
    pulumi: { type: "boolean", default: false },
    terraform: { type: "boolean", default: false },
    cdktf: { type: "boolean", default: false },
    ...API_OPTIONS,
  },
  async run(v) {
    const format = stackFormatOf(v);
    if (!format) throw new UsageError("choose an output format: --pulumi, --terraform or --cdktf");
    const { endpoint, token } = apiSettings(v);
    const inventory = await fetchInventory(endpoint, token);
    process.stdout.write(renderStack(format, inventory, { adopt: true, generatedBy: `secgroups export --${format} from ${endpoint}` }));
  },
};

/** The one stack format the flags choose; undefined for none; a usage error for several. */
export function stackFormatOf(v: Record<string, unknown>): StackFormat | undefined {
  const chosen = STACK_FORMATS.filter((f) => v[f] === true);
  if (chosen.length > 1) throw new UsageError(`choose one of --${chosen.join(", --")}`);
  return chosen[0];
}

/** A Pulumi TypeScript program that adopts `inventory` (kept for callers of the first export). */
export function renderPulumiProgram(inventory: Inventory, meta: { endpoint?: string } = {}): string {
  return renderStack("pulumi", inventory, {
    adopt: true,
    generatedBy: `secgroups export --pulumi${meta.endpoint ? ` from ${meta.endpoint}` : ""}`,
  });
}
