/**
 * `secgroups import --from FORMAT FILE`: turns rules that already run into a
 * policy document (core/import), prints it (or stack code for it, or applies
 * it through the API) and reports on stderr every input rule it left out.
 */
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { formatOmission, IMPORT_FORMATS, ImportInputError, type ImportFormat } from "../../import";
import { ValidationError } from "../../model";
import { normalizePolicy } from "../../policy";
import type { Command } from "../command";
import { UsageError } from "../command";
import { API_OPTIONS, API_OPTIONS_HELP, ApiClient, apiSettings } from "../api-client";
import { applyDocument, documentInventory } from "../apply-import";
import { renderStack, StackCodeError } from "../stack-code";
import { stackFormatOf } from "./export";

/** Exit status when the document was written but some input rule could not be expressed. */
export const EXIT_LEFT_OUT = 3;

const FORMATS = Object.keys(IMPORT_FORMATS) as ImportFormat[];

export const importCommand: Command = {
  usage: `Usage: secgroups import --from ${FORMATS.join("|")} FILE [options]

Reads rules that already run and prints them as a policy document in API shape
({ "prefix_lists": [...], "security_groups": [...] }, as \`secgroups compile\`,
\`review\` and policy files take). Named sets and address lists become prefix
lists with their names; inbound and outbound rules become one group each
(cloud formats: one group per group of the input). FILE - reads stdin.

Every input rule the policy model cannot say (NAT, marks, rate limits,
interface matches, jumps it cannot inline ...) gets one line on stderr:
FILE:LINE: why: the rule. Counters and log prefixes are dropped silently;
loopback, established/related, invalid and the essential ICMPv6 rules are what
every policy does anyway. See docs/import.md.

Formats:
  nft             \`nft list ruleset\` text, a file for \`nft -f\`, or \`nft -j list ruleset\` JSON
  iptables-save   iptables-save and/or ip6tables-save output (ipset save output first, when rules match sets)
  routeros        a RouterOS /export (/ip and /ipv6 firewall filter, address-list)
  aws             aws ec2 describe-security-groups JSON
  cf-asg          a Cloud Foundry ASG rule file (JSON array of rules)
  genesis         Genesis Cloud security groups JSON

Options:
  --from FORMAT     the input format (required)
  --name NAME       names the groups ("NAME inbound"); default: FILE without extension
  --pulumi          print a Pulumi TypeScript program that manages the document instead
  --terraform       print a Terraform configuration instead
  --cdktf           print a CDKTF TypeScript program instead
                    (groups that refer to themselves or to each other cannot be created by
                    one run of stack code: use --apply, then \`secgroups export\`)
  --apply           create it through the API (objects matched by name; a second run changes nothing)
${API_OPTIONS_HELP}

Exit status: 0 everything imported; ${EXIT_LEFT_OUT} imported, but some rule was left out (see stderr);
2 bad input or usage (or groups stack code cannot create); 1 the API refused or could not be reached (--apply).`,
  options: {
    from: { type: "string" },
    name: { type: "string" },
    pulumi: { type: "boolean", default: false },
    terraform: { type: "boolean", default: false },
    cdktf: { type: "boolean", default: false },
    apply: { type: "boolean", default: false },
    ...API_OPTIONS,
  },
  positionals: true,
  async run(v, positionals) {
    const from = v.from as string | undefined;
    if (!from || !(FORMATS as string[]).includes(from)) throw new UsageError(`--from must be one of ${FORMATS.join(", ")}`);
    if (positionals.length !== 1) throw new UsageError("expected exactly one FILE (- for stdin)");
    const stack = stackFormatOf(v);
    if (stack && v.apply) throw new UsageError(`--apply and --${stack} exclude each other`);
    const file = positionals[0];
    const api = v.apply ? apiSettings(v) : undefined;
    let text: string;
    try {
      text = readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (err) {
      console.error(`secgroups import: cannot read ${file}: ${(err as Error).message}`);
      return 2;
    }
    const name = (v.name as string | undefined) ?? (file === "-" ? "imported" : basename(file, extname(file)) || "imported");
    let result;
    try {
      result = IMPORT_FORMATS[from as ImportFormat](text, { name });
    } catch (err) {
      if (err instanceof ImportInputError) {
        console.error(`secgroups import: ${file}: ${err.message}`);
        return 2;
      }
      throw err;
    }
    try {
      normalizePolicy(result.document);
    } catch (err) {
      // The importer wrote something the model refuses: a bug of ours, said plainly.
      if (err instanceof ValidationError)
        throw new Error(`the imported document is not valid: ${err.issues.map((i) => i.message).join("; ")}`);
      throw err;
    }
    const label = file === "-" ? "stdin" : file;
    for (const omission of result.omissions) console.error(formatOmission(label, omission));
    if (api) {
      const lines = await applyDocument(new ApiClient(api.endpoint, api.token), result.document);
      for (const line of lines) console.log(`${line.outcome} ${line.kind} "${line.name}" ${line.id}`);
    } else if (stack) {
      let code: string;
      try {
        code = renderStack(stack, documentInventory(result.document), {
          adopt: false,
          generatedBy: `secgroups import --from ${from} ${label} --${stack}`,
        });
      } catch (err) {
        if (!(err instanceof StackCodeError)) throw err;
        console.error(`secgroups import: ${label}: ${err.message}`);
        return 2;
      }
      process.stdout.write(code);
    } else process.stdout.write(`${JSON.stringify(result.document, null, 2)}\n`);
    if (result.omissions.length) {
      console.error(`secgroups import: ${result.omissions.length} input rule(s) not imported as written (listed above)`);
      return EXIT_LEFT_OUT;
    }
    return 0;
  },
};
