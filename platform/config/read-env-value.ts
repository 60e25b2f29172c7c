import { readFileSync } from "node:fs";

/**
 * EnvValue is the raw string for one variable and where it came from, or the
 * reason it could not be read.
 */
export type EnvValue =
  | { readonly ok: true; readonly value: string | undefined; readonly fromFile?: string }
  | { readonly ok: false; readonly problem: string };

/**
 * readEnvValue reads `name` from `vars`, or the file named by `<name>_FILE`
 * (trimmed) so secrets mounted by Kubernetes or Docker never pass through the
 * environment. Setting both is an error rather than a precedence rule: an
 * operator who sets both has made a mistake we should not guess about.
 */
export function readEnvValue(name: string, vars: NodeJS.ProcessEnv): EnvValue {
  const fileVar = `${name}_FILE`;
  const direct = nonEmpty(vars[name]);
  const file = nonEmpty(vars[fileVar]);
  if (direct !== undefined && file !== undefined) {
    return { ok: false, problem: `${name}: both ${name} and ${fileVar} are set; set only one` };
  }
  if (file === undefined) return { ok: true, value: direct };
  try {
    return { ok: true, value: nonEmpty(readFileSync(file, "utf8").trim()), fromFile: file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "read error";
    return { ok: false, problem: `${fileVar}: cannot read ${JSON.stringify(file)} (${code})` };
  }
}

// An empty variable counts as unset: `FOO=` in compose files and env blocks
// usually means "no value", and parsing "" as a port or URL only hides that.
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
