import { readFileSync } from "node:fs";
import { compilePolicy } from "../../platforms";
import type { PolicyDocumentInput } from "../../policy";
import { PLATFORMS, SITE_MODES, ValidationError, type Platform, type SiteMode } from "../../model";
import type { Command } from "../command";
import { UsageError } from "../command";

export const compile: Command = {
  usage: `Usage: secgroups compile --target nftables|iptables|routeros [--mode host|router] FILE.json

Prints the configuration one site enforces for all groups of FILE, which holds
{ "prefix_lists": [...], "security_groups": [...] } in API shape (use - for stdin).

Options:
  --target T    nftables (an nft -f file), iptables (ipset + iptables-restore
                sections), routeros (a v7 /import script)       (required)
  --mode M      host (default): input and output hooks; router: forward as well`,
  options: {
    target: { type: "string" },
    mode: { type: "string", default: "host" },
  },
  positionals: true,
  async run(v, positionals) {
    const target = v.target as string | undefined;
    if (!target || !(PLATFORMS as readonly string[]).includes(target)) {
      throw new UsageError(`--target must be one of ${PLATFORMS.join(", ")}`);
    }
    if (!(SITE_MODES as readonly string[]).includes(v.mode as string))
      throw new UsageError(`--mode must be one of ${SITE_MODES.join(", ")}`);
    if (positionals.length !== 1) throw new UsageError("expected exactly one policy FILE");
    const file = positionals[0];
    let doc: PolicyDocumentInput;
    try {
      doc = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
    } catch (err) {
      throw new Error(`cannot read ${file}: ${(err as Error).message}`);
    }
    if (!doc || !Array.isArray(doc.security_groups))
      throw new Error(`${file}: expected { "prefix_lists": [...], "security_groups": [...] }`);
    try {
      process.stdout.write(compilePolicy(doc, target as Platform, { mode: v.mode as SiteMode }));
    } catch (err) {
      if (err instanceof ValidationError) {
        console.error(`secgroups compile: ${file} is not a valid policy:`);
        for (const issue of err.issues) console.error(`  ${issue.message}`);
        return 1;
      }
      // A valid policy the platform cannot render (yet): one line naming the target, no stack trace.
      throw new Error(`cannot compile ${file} for ${target}: ${(err as Error).message}`);
    }
  },
};
