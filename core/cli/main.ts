import { UsageError, parseCommandArgs, type Command } from "./command";
import { commands } from "./commands";

/** The installed package's version (package.json sits two levels above dist/core/cli and core/cli). */
function packageVersion(): string {
  for (const up of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = require(up) as { name?: string; version?: string };
      if (pkg.name === "secgroups" && pkg.version) return pkg.version;
    } catch {
      // not at this depth
    }
  }
  return "unknown";
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "secgroups: firewall policy as code",
    "",
    "Usage: secgroups <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `secgroups <command> --help` for a command's options; `secgroups --version` prints the version.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    console.log(packageVersion());
    return;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(overview());
    return;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    console.error(`secgroups: unknown command "${name}"\n\n${overview()}`);
    process.exitCode = 2;
    return;
  }
  const code = await runCommand(name, await entry.load(), rest);
  if (code !== undefined) process.exitCode = code;
}

/**
 * Runs one command with its argv; returns its exit code (2 for a usage error; undefined when the
 * command left process.exitCode to itself). The agent's single executable calls it too.
 */
export async function runCommand(name: string, command: Command, argv: string[]): Promise<number | undefined> {
  try {
    const { values, positionals } = parseCommandArgs(command, argv);
    if (values.help) {
      console.log(command.usage);
      return 0;
    }
    const code = await command.run(values, positionals);
    return typeof code === "number" ? code : undefined;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`secgroups ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    console.error(`secgroups ${name}: ${(err as Error).message}`);
    return 1;
  }
}
