/**
 * Entry of the agent's single executable (Node SEA, scripts/build-agent-deb.sh): the `secgroups
 * agent` command alone, bundled with what it imports, so a site host needs neither Node nor npm.
 */
import { agent } from "../../core/cli/commands/agent-command";
import { runCommand } from "../../core/cli/main";

/** Set by the bundler (esbuild --define) to the package's version. */
declare const SECGROUPS_VERSION: string;

async function start(argv: string[]): Promise<void> {
  if (argv[0] === "--version") {
    console.log(typeof SECGROUPS_VERSION === "string" ? SECGROUPS_VERSION : "unknown");
    return;
  }
  const code = await runCommand("agent", agent, argv);
  if (code !== undefined) process.exitCode = code;
}

void start(process.argv.slice(2));
