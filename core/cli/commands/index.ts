import type { Command } from "../command";

/** Every sub-command, in the order `secgroups --help` lists them. */
export const commands: Command[] = [];
