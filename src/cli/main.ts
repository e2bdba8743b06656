/** The `linewise` command: dispatches to a sub-command, prints its help, turns user errors into one line. */
import { commands } from "./commands/index.js";
import { UsageError } from "./command.js";

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "linewise: process supervision for code-generation models (line labels, PRM, PPO, DPO, pass@k).",
    "",
    "Usage: linewise <command> [options]      linewise <command> --help for its options",
    "",
    "Commands:",
    ...lines,
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(overview());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`linewise: unknown command '${name}'. Run 'linewise --help' for the list.`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  try {
    return (await command.run(rest)) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 1;
  },
);
