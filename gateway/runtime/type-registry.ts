import { createRegistry, type DescFile, type Registry } from "@bufbuild/protobuf";
import type { RouteSpec } from "./route-spec.js";

/**
 * routeTypeRegistry gathers every type the route table's proto files define
 * or import, transitively. ProtoJSON names a google.protobuf.Any's type in
 * its "@type" and protobuf-es's fromJson and toJson look it up here: without
 * a registry, every Any fails in both directions. An Any of a type these
 * files cannot reach stays unreadable (400 in, 500 out); its service should
 * import the types it packs.
 */
export function routeTypeRegistry(routes: readonly RouteSpec[]): Registry {
  const files = new Set<DescFile>();
  const add = (file: DescFile): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const dependency of file.dependencies) add(dependency);
  };
  for (const route of routes) add(route.method.parent.file);
  return createRegistry(...files);
}
