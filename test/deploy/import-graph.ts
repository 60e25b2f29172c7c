import { existsSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import ts from "typescript";

/** RuntimeImport is one module a file loads when it runs (Node builtins left out). */
export interface RuntimeImport {
  /** from is the importing file, relative to the repository root. */
  readonly from: string;
  readonly specifier: string;
  /** pkg is a bare import's package name: `@scope/name` or `name`. */
  readonly pkg?: string;
  /** file is where a relative import resolves, relative to the root; unset if nothing is there. */
  readonly file?: string;
}

/**
 * runtimeSpecifiers returns the specifiers of the modules a TypeScript file
 * loads at run time: static imports and re-exports, side-effect imports and
 * `import("literal")`. Parsed with the compiler, so specifiers in comments or
 * strings do not count.
 *
 * Only `import type` and `export type` are skipped. The repository sets
 * `verbatimModuleSyntax`, under which tsc and tsx (esbuild) keep
 * `import { type A } from "x"` as `import {} from "x"`: the module still loads.
 */
export function runtimeSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      const typeOnly = ts.isImportDeclaration(node)
        ? node.importClause?.isTypeOnly
        : node.isTypeOnly;
      if (!typeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        found.push(node.moduleSpecifier.text);
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      // A computed `import(name)` cannot be followed statically.
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** packageName maps `@scope/name/sub` to `@scope/name` and `name/sub` to `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return parts.slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
}

/**
 * resolveLocal finds the file a relative specifier names, the way tsx does:
 * sources import `./x.js` but the file is `./x.ts`; a directory means its
 * `index.ts`. Returns undefined when nothing is there.
 */
function resolveLocal(fromFile: string, specifier: string): string | undefined {
  const target = join(dirname(fromFile), specifier);
  const candidates = [
    target.replace(/\.js$/, ".ts"),
    target.replace(/\.mjs$/, ".mts"),
    target,
    join(target, "index.ts"),
  ];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

/**
 * followImports walks the runtime import graph of the repository's own files
 * from the entry points (paths relative to `root`) and returns every file
 * reached and every non-builtin import seen. Only `.ts` files are parsed;
 * a reached `.json` (say) is listed but has no imports.
 */
export function followImports(
  entries: readonly string[],
  root = process.cwd(),
): { files: string[]; imports: RuntimeImport[] } {
  const toRelative = (path: string) => relative(root, path).split(sep).join("/");
  const seen = new Set<string>();
  const imports: RuntimeImport[] = [];
  const pending = entries.map((entry) => join(root, entry));
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    if (!/\.[cm]?ts$/.test(path)) continue;
    const from = toRelative(path);
    for (const specifier of runtimeSpecifiers(path, readFileSync(path, "utf8"))) {
      if (specifier.startsWith(".")) {
        const file = resolveLocal(path, specifier);
        imports.push({ from, specifier, ...(file && { file: toRelative(file) }) });
        if (file) pending.push(file);
      } else if (!isBuiltin(specifier)) {
        imports.push({ from, specifier, pkg: packageName(specifier) });
      }
    }
  }
  return { files: [...seen].map(toRelative).sort(), imports };
}
