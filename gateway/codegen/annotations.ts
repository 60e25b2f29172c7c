import type { DescExtension, DescField, DescFile, DescMethod } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import type { HttpRule } from "../../gen/google/api/http_pb.js";

/**
 * The annotations are read with extension descriptors found in the
 * CodeGeneratorRequest itself, not imported from gen/: `npm run generate`
 * deletes gen/ before buf runs this plugin, and any proto that declares a
 * wire-compatible google/api/annotations.proto works the same.
 */
const extensionCache = new WeakMap<DescFile, Map<string, DescExtension | undefined>>();

/** getHttpRule returns the RPC's `google.api.http` option, or undefined when it has none. */
export function getHttpRule(method: DescMethod): HttpRule | undefined {
  const http = findExtension(method.parent.file, "google.api.http");
  if (http === undefined || !hasOption(method, http)) return undefined;
  return getOption(method, http) as HttpRule;
}

/** getFieldBehaviors returns the names of the field's `google.api.field_behavior` values, e.g. ["REQUIRED"]. */
export function getFieldBehaviors(field: DescField): string[] {
  const ext = findExtension(field.parent.file, "google.api.field_behavior");
  if (ext === undefined || ext.fieldKind !== "list" || ext.enum === undefined) return [];
  if (!hasOption(field, ext)) return [];
  const values = getOption(field, ext) as number[];
  const names = values.map((n) => ext.enum?.values.find((v) => v.number === n)?.name);
  return names.filter((name) => name !== undefined);
}

/**
 * isPublic reports whether the RPC's `platform.v1.policy` (or its service's
 * `default_policy`) says `public: true`: only such RPCs may be reached
 * through the gateway.
 */
export function isPublic(method: DescMethod): boolean {
  const file = method.parent.file;
  const methodPolicy = findExtension(file, "platform.v1.policy");
  if (methodPolicy !== undefined && hasOption(method, methodPolicy)) {
    return (getOption(method, methodPolicy) as { public?: boolean }).public === true;
  }
  const servicePolicy = findExtension(file, "platform.v1.default_policy");
  if (servicePolicy !== undefined && hasOption(method.parent, servicePolicy)) {
    return (getOption(method.parent, servicePolicy) as { public?: boolean }).public === true;
  }
  return false;
}

/** findExtension looks an extension up by full name in a file and, transitively, its imports. */
function findExtension(file: DescFile, typeName: string): DescExtension | undefined {
  let cache = extensionCache.get(file);
  if (cache === undefined) {
    cache = new Map();
    extensionCache.set(file, cache);
  }
  if (!cache.has(typeName)) {
    cache.set(typeName, searchExtension(file, typeName, new Set()));
  }
  return cache.get(typeName);
}

function searchExtension(
  file: DescFile,
  typeName: string,
  seen: Set<DescFile>,
): DescExtension | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  const own = file.extensions.find((ext) => ext.typeName === typeName);
  if (own !== undefined) return own;
  for (const dep of file.dependencies) {
    const found = searchExtension(dep, typeName, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}
