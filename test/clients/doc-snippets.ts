import { readFileSync } from "node:fs";

const CLIENTS_DOC = "docs/clients.md";

/**
 * docFile returns the code block of docs/clients.md that starts with the
 * comment `// <name>`, the way a reader would copy it into that file.
 */
export function docFile(name: string): string {
  const blocks = [...readFileSync(CLIENTS_DOC, "utf8").matchAll(/```ts\n([\s\S]*?)```/g)];
  const block = blocks.map((m) => m[1]!).find((code) => code.startsWith(`// ${name}\n`));
  if (block === undefined) throw new Error(`${CLIENTS_DOC} has no code block for ${name}`);
  return block;
}

/** docCommand returns the shell command of docs/clients.md that starts with `prefix`, as words. */
export function docCommand(prefix: string): string[] {
  const line = readFileSync(CLIENTS_DOC, "utf8")
    .split("\n")
    .find((l) => l.startsWith(prefix));
  if (line === undefined) throw new Error(`${CLIENTS_DOC} has no command starting ${prefix}`);
  return line.split(/\s+/);
}

/** replaceArg returns `words` with the value after `flag` replaced. */
export function replaceArg(words: readonly string[], flag: string, value: string): string[] {
  const at = words.indexOf(flag);
  if (at < 0 || at + 1 >= words.length) throw new Error(`no ${flag} in ${words.join(" ")}`);
  return words.map((w, i) => (i === at + 1 ? value : w));
}
