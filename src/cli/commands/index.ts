/** Every `linewise` sub-command, in the order `linewise --help` lists them. Add new commands here. */
import type { Command } from "../command.js";

export const commands: Command[] = [];
