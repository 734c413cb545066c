import type { Command } from "../command";
import { serve } from "./serve";
import { token } from "./token";
import { agent } from "./agent-command";
import { compile } from "./compile";
import { review } from "./review";
import { exportCommand } from "./export";

/** Every sub-command, in the order `secgroups --help` lists them. */
export const commands: Command[] = [serve, token, agent, compile, review, exportCommand];
