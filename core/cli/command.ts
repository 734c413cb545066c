import { parseArgs, type ParseArgsConfig } from "node:util";

/** One `secgroups` sub-command's implementation (its name and summary are in commands/index.ts). */
export interface Command {
  /** Full `--help` text. */
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  /** Whether positional arguments are accepted. */
  readonly positionals?: boolean;
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number | void>;
}

export class UsageError extends Error {}

export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
