import type { z } from "zod";

/**
 * EnvSetting declares one configuration key: the environment variable it is
 * read from, the zod schema that parses the raw string, a doc line for
 * operators, an optional default and whether the value is secret.
 */
export interface EnvSetting<S extends z.ZodType = z.ZodType> {
  /** Environment variable name, e.g. `RPC_PORT`; `<env>_FILE` is also honoured. */
  readonly env: string;
  /** Parses the raw string; make it `.optional()` for keys that may be unset. */
  readonly schema: S;
  /** One line for operators: what the key controls. */
  readonly doc: string;
  /** Used when the variable is unset or empty; trusted, so not re-parsed. */
  readonly default?: z.output<S>;
  /** Secret values are never echoed in error messages. */
  readonly secret?: boolean;
}

/** EnvSettingOptions are the optional parts of an {@link EnvSetting}. */
export interface EnvSettingOptions<S extends z.ZodType> {
  readonly default?: z.output<S>;
  readonly secret?: boolean;
}

/** ConfigShape maps property names of the loaded config to their settings. */
export type ConfigShape = Readonly<Record<string, EnvSetting>>;

/** DeepReadonly mirrors the deep freeze `loadConfig` applies at runtime. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** ConfigValues is the typed, frozen object `loadConfig` returns for a shape. */
export type ConfigValues<D extends ConfigShape> = {
  readonly [K in keyof D]: DeepReadonly<z.output<D[K]["schema"]>>;
};

/**
 * env declares one setting read from the environment variable `name`.
 *
 * @example env("RPC_PORT", port(), "Port of the RPC server", { default: 8443 })
 */
export function env<S extends z.ZodType>(
  name: string,
  schema: S,
  doc: string,
  options: EnvSettingOptions<S> = {},
): EnvSetting<S> {
  return Object.freeze({ env: name, schema, doc, ...options });
}

const envNamePattern = /^[A-Z][A-Z0-9_]*$/;

/**
 * defineConfig checks a shape once, at module load, and returns it frozen:
 * env names must be UPPER_SNAKE_CASE, unique, and must not end in `_FILE`
 * (that suffix is reserved for mounted secrets).
 */
export function defineConfig<const D extends ConfigShape>(shape: D): D {
  const seen = new Set<string>();
  for (const [key, setting] of Object.entries(shape)) {
    if (!envNamePattern.test(setting.env) || setting.env.endsWith("_FILE")) {
      throw new Error(`config key ${key}: invalid env name ${JSON.stringify(setting.env)}`);
    }
    if (seen.has(setting.env)) {
      throw new Error(`config key ${key}: env ${setting.env} is declared twice`);
    }
    seen.add(setting.env);
  }
  return Object.freeze({ ...shape });
}
