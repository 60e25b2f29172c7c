/** Instruction is one Dockerfile instruction: `COPY a b` is `{ keyword: "COPY", args: "a b" }`. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/**
 * parseDockerfile splits a Dockerfile into instructions, dropping comments
 * and blank lines and joining `\` line continuations. Enough for the checks
 * in test/deploy; not a full parser (no heredocs, no custom escape char).
 */
export function parseDockerfile(text: string): Instruction[] {
  const lines = text.split("\n").filter((line) => !/^\s*#/.test(line));
  return lines
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
      return { keyword: keyword.toUpperCase(), args };
    });
}

/** finalStage returns the instructions of the last stage, i.e. the image that ships. */
export function finalStage(instructions: readonly Instruction[]): Instruction[] {
  const lastFrom = instructions.findLastIndex((i) => i.keyword === "FROM");
  return instructions.slice(lastFrom + 1);
}

/** variableNames returns the names an `ENV` or `ARG` instruction sets. */
export function variableNames(instruction: Instruction): string[] {
  const names = [...instruction.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)];
  if (names.length > 0) return names.map((m) => m[1]!);
  // `ENV NAME value` (legacy form) or `ARG NAME` (no default).
  return [instruction.args.split(/\s+/)[0]!];
}

/** copySources returns a `COPY`'s sources from the build context (none for `--from`). */
export function copySources(instruction: Instruction): string[] {
  const words = instruction.args.split(/\s+/);
  if (words.some((w) => w.startsWith("--from="))) return [];
  return words.filter((w) => !w.startsWith("--")).slice(0, -1);
}
