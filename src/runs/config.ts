/**
 * Trainer configs from JSON (a `--config FILE`, a run's config.json): the JSON's fields are laid over a
 * trainer's defaults, and each must exist there with the same kind of value, so a typo or a string where a
 * number belongs is a one-line error naming the field instead of a silently ignored setting.
 */

import { isDeepStrictEqual } from "node:util";
import { readRunConfig } from "./run-folder.js";

/** A config error: `where` (file) and the dotted field name, and what is expected. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * `defaults` with the fields of `json` laid over it. A field whose default is null takes null or a string
 * (a path); a number, boolean or string default takes the same type; a list takes a non-empty list of the
 * same element type, of the same length when the default is a pair (a tuple such as AdamW's betas); an
 * object is merged field by field.
 */
export function resolveConfig<T extends object>(defaults: T, json: unknown, where: string): T {
  return merge(defaults as Record<string, unknown>, json, where, "") as T;
}

/**
 * Fields that change how a step is computed but not what it trains (memory against time, or the compute
 * dtype: checkpoints keep float32 weights either way), so a resumed run may change them; run folders
 * written before a field existed lack it.
 */
export const resumableFields: readonly string[] = ["gradientCheckpointing", "precision"];

/**
 * Trainer config fields added after run folders were written without them, each with a test for the value
 * that trains as those runs did: full fine-tuning for `lora` (r = 0).
 */
const fieldsAddedLater: Record<string, (value: unknown) => boolean> = {
  lora: (value) => (value as { r?: unknown } | null)?.r === 0,
};

/**
 * A resumed run must be the same training: `config` may differ from the run's config.json in
 * `lengthField` only (steps, epochs or iterations), and in `resumableFields`, since anything else would
 * make it a different training.
 */
export function checkResumedConfig<T extends object>(runDir: string, config: T, lengthField: keyof T & string): void {
  const saved = readRunConfig(runDir) as Record<string, unknown> | null;
  // A field the run's config.json lacks (written before the field existed) matches when it is null or
  // has the value that does what the run did then (fieldsAddedLater).
  const same = (key: string) => {
    const value = config[key as keyof T];
    if (saved !== null && !(key in saved)) return value === null || fieldsAddedLater[key]?.(value) === true;
    return isDeepStrictEqual(saved?.[key], value);
  };
  const differing = Object.keys(config).filter(
    (key) => key !== lengthField && !resumableFields.includes(key) && !same(key),
  );
  if (differing.length > 0)
    throw new ConfigError(
      `${runDir}: the config differs from the run's config.json in ${differing.join(", ")}; resume with the run's config (only ${lengthField} may change)`,
    );
}

function merge(defaults: Record<string, unknown>, json: unknown, where: string, prefix: string): Record<string, unknown> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ConfigError(`${where}: ${prefix ? `field "${prefix.slice(0, -1)}"` : "the config"} must be a JSON object`);
  }
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(json)) {
    const name = prefix + key;
    if (!(key in defaults)) throw new ConfigError(`${where}: unknown field "${name}" (known: ${Object.keys(defaults).map((k) => prefix + k).join(", ")})`);
    const base = defaults[key];
    const fail = (expected: string) => new ConfigError(`${where}: field "${name}" must be ${expected}, got ${JSON.stringify(value)}`);
    if (base === null) {
      if (value !== null && typeof value !== "string") throw fail("a string or null");
      out[key] = value;
    } else if (Array.isArray(base)) {
      const length = base.length === 2 ? 2 : null;
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        (length !== null && value.length !== length) ||
        value.some((v) => typeof v !== typeof base[0])
      ) {
        throw fail(`a list of ${length ?? "one or more"} ${typeof base[0]}s`);
      }
      out[key] = value;
    } else if (typeof base === "object") {
      out[key] = merge(base as Record<string, unknown>, value, where, `${name}.`);
    } else {
      if (typeof value !== typeof base || (typeof value === "number" && !Number.isFinite(value))) throw fail(`a ${typeof base}`);
      out[key] = value;
    }
  }
  return out;
}
