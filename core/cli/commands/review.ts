import { atLeast, FORMATS_HELP, renderJson, renderMarkdown, reviewPaths, SEVERITIES, type Severity } from "../../review";
import type { Command } from "../command";
import { UsageError } from "../command";

export const review: Command = {
  usage: `Usage: secgroups review BASE HEAD [options]
       secgroups review PLAN [options]

Compares two policies and prints a review: rules added, removed and changed
per group; what traffic is newly allowed or no longer allowed, per site; and
lint findings on HEAD. "No effective change" means every packet gets the same
verdict although the text changed.

BASE, HEAD: ${FORMATS_HELP}.
PLAN: one \`pulumi preview --json\` or \`terraform show -json\` plan; its before and after are compared.

Options:
  --format md|json        output format (default md)
  --fail-on low|medium|high
                          exit 1 when a lint finding on HEAD has at least this severity
  --output FILE           write the review to FILE instead of stdout

Exit status: 0 reviewed; 1 --fail-on threshold reached, or an input could not be read; 2 usage error.`,
  options: {
    format: { type: "string", default: "md" },
    "fail-on": { type: "string" },
    output: { type: "string", short: "o" },
  },
  positionals: true,
  async run(v, positionals) {
    if (positionals.length < 1 || positionals.length > 2) throw new UsageError("give BASE and HEAD, or one PLAN");
    const format = v.format as string;
    if (format !== "md" && format !== "json" && format !== "markdown") throw new UsageError(`--format must be md or json, got ${format}`);
    const failOn = v["fail-on"] as string | undefined;
    if (failOn !== undefined && !SEVERITIES.includes(failOn as Severity)) {
      throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(", ")}, got ${failOn}`);
    }
    const result = reviewPaths(positionals[0], positionals[1]);
    const text = format === "json" ? renderJson(result) : renderMarkdown(result);
    if (v.output) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(v.output as string, text);
    } else process.stdout.write(text);
    if (failOn && result.findings.some((f) => atLeast(f.severity, failOn as Severity))) {
      const reached = result.findings.filter((f) => atLeast(f.severity, failOn as Severity)).length;
      console.error(`secgroups review: ${reached} finding(s) at or above ${failOn}`);
      return 1;
    }
    return 0;
  },
};
