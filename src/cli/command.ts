/** What every `linewise` sub-command provides to the dispatcher in main.ts. */
export interface Command {
  name: string;
  /** One line for `linewise --help`. */
  summary: string;
  /** The full `linewise NAME --help` text: usage line, options, an example. */
  help: string;
  run(argv: string[]): Promise<number | void>;
}

/** An error a user caused (bad option, missing file, malformed row): printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
