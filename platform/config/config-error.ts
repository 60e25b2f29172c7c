/**
 * ConfigError is thrown by `loadConfig` when the environment does not satisfy
 * the definition. It carries every problem at once, so an operator fixes the
 * deployment in one round instead of one variable per restart.
 */
export class ConfigError extends Error {
  /** One line per bad or missing variable, e.g. `PORT: expected integer 1..65535, got "abc"`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
    this.problems = Object.freeze([...problems]);
  }
}

/**
 * formatProblems renders problems as the block printed at boot:
 * `invalid configuration:` followed by one indented `- ` line each.
 */
export function formatProblems(problems: readonly string[]): string {
  return ["invalid configuration:", ...problems.map((p) => `  - ${p}`)].join("\n");
}
