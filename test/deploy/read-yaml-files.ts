import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

/**
 * readYamlFiles parses every document of every file, keyed by the path as
 * given. Empty documents (a trailing `---`) are dropped. A syntax error
 * fails the test that reads the file, naming it.
 */
export function readYamlFiles(paths: readonly string[]): Map<string, unknown[]> {
  return new Map(paths.map((path) => [path, readYamlFile(path)]));
}

/** readYamlFile parses every document of one file; see {@link readYamlFiles}. */
export function readYamlFile(path: string): unknown[] {
  // Compose files use YAML 1.1 merge keys (`<<: *anchor`), as kubectl and docker accept.
  const docs = parseAllDocuments(readFileSync(path, "utf8"), { merge: true });
  const parsed: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) parsed.push(value);
  }
  return parsed;
}
