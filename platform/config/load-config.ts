import type { z } from "zod";
import { ConfigError } from "./config-error.js";
import type { ConfigShape, ConfigValues, EnvSetting } from "./define-config.js";
import { type EnvValue, readEnvValue } from "./read-env-value.js";

type SettingResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: string };

/**
 * loadConfig reads every setting of `def` from `vars` (default
 * `process.env`), applies defaults and returns a deeply frozen, typed object.
 * It throws a {@link ConfigError} listing every bad or missing variable, not
 * just the first one. Call it once at boot and pass the result down.
 */
export function loadConfig<D extends ConfigShape>(
  def: D,
  vars: NodeJS.ProcessEnv = process.env,
): ConfigValues<D> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(def)) {
    const result = loadSetting(setting, vars);
    if (result.ok) values[key] = result.value;
    else problems.push(result.problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(values) as ConfigValues<D>;
}

function loadSetting(setting: EnvSetting, vars: NodeJS.ProcessEnv): SettingResult {
  const raw = readEnvValue(setting.env, vars);
  if (!raw.ok) return raw;
  if (raw.value === undefined && setting.default !== undefined) {
    return { ok: true, value: setting.default };
  }
  const parsed = setting.schema.safeParse(raw.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: describeProblem(setting, raw, parsed.error) };
}

const maxShownLength = 80;

function describeProblem(
  setting: EnvSetting,
  raw: EnvValue & { ok: true },
  error: z.ZodError,
): string {
  const label = raw.fromFile ? `${setting.env} (from ${setting.env}_FILE)` : setting.env;
  if (raw.value === undefined) return `${label}: required but not set (${setting.doc})`;
  // Secrets stay out of stderr and log collectors, even when malformed:
  // a mistyped password is still almost the password.
  if (setting.secret) return `${label}: invalid (secret value not shown)`;
  const reasons = [...new Set(error.issues.map((issue) => issue.message))].join("; ");
  const shown =
    raw.value.length > maxShownLength ? `${raw.value.slice(0, maxShownLength)}…` : raw.value;
  return `${label}: ${reasons}, got ${JSON.stringify(shown)}`;
}

/**
 * deepFreeze freezes `value` and everything reachable from it, in place.
 * Already-frozen objects are skipped, which also keeps cycles finite.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
