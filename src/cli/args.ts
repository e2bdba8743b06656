/** Option parsing for sub-commands: node's parseArgs, with one-line errors that name the option. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./command.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `argv` against `options`; an unknown or malformed option becomes a UsageError. */
export function parseOptions<T extends Options>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`linewise ${command}: ${(e as Error).message} (see 'linewise ${command} --help')`);
  }
}

/** Reads a numeric option; a non-number is a UsageError naming the option. */
export function numberOption(
  command: string,
  name: string,
  value: string | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new UsageError(`linewise ${command}: --${name} expects a number, got '${value}'`);
  return n;
}

/** Reads a required string option. */
export function requiredOption(command: string, name: string, value: string | undefined): string {
  if (value === undefined || value === "")
    throw new UsageError(`linewise ${command}: --${name} is required (see 'linewise ${command} --help')`);
  return value;
}
