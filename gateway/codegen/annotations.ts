import type {
  DescExtension,
  DescField,
  DescFile,
  DescMethod,
  DescService,
} from "@bufbuild/protobuf";
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

/** PolicyOption is what the generator reads of a `platform.v1.Policy` (proto/platform/v1/policy.proto). */
export interface PolicyOption {
  readonly public: boolean;
  readonly anonymous: boolean;
  readonly scopes: readonly string[];
  /** The `rate_limit` enum value's name, e.g. "RATE_LIMIT_CLASS_READ". */
  readonly rateLimit: string;
}

/**
 * getPolicy returns the RPC's `platform.v1.policy`, else its service's
 * `default_policy`, else undefined. As platform/rpc/rpc-policy.ts reads it,
 * a method policy replaces the service default as a whole.
 */
export function getPolicy(method: DescMethod): PolicyOption | undefined {
  const own = readPolicy(method, "platform.v1.policy");
  return own ?? readPolicy(method.parent, "platform.v1.default_policy");
}

/**
 * isPublic reports whether the RPC's policy says `public: true`: only such
 * RPCs may be reached through the gateway.
 */
export function isPublic(method: DescMethod): boolean {
  return getPolicy(method)?.public === true;
}

interface PolicyMessage {
  readonly public?: boolean;
  readonly anonymous?: boolean;
  readonly scopes?: readonly string[];
  readonly rateLimit?: number;
}

function readPolicy(desc: DescMethod | DescService, typeName: string): PolicyOption | undefined {
  const file = desc.kind === "rpc" ? desc.parent.file : desc.file;
  const ext = findExtension(file, typeName);
  const policy = getOptionByName<PolicyMessage>(desc, typeName);
  if (ext === undefined || policy === undefined) return undefined;
  const rateLimitEnum = ext.message?.fields.find((f) => f.name === "rate_limit")?.enum;
  const rateLimit = rateLimitEnum?.values.find((v) => v.number === (policy.rateLimit ?? 0));
  return {
    public: policy.public === true,
    anonymous: policy.anonymous === true,
    scopes: [...(policy.scopes ?? [])],
    rateLimit: rateLimit?.name ?? "RATE_LIMIT_CLASS_UNSPECIFIED",
  };
}

/** TimestampOption is a `google.protobuf.Timestamp` as an option holds it. */
export interface TimestampOption {
  readonly seconds: bigint;
  readonly nanos: number;
}

/** DeprecationOption is a `platform.v1.Deprecation` option (proto/platform/v1/deprecation.proto). */
export interface DeprecationOption {
  readonly deprecationTime?: TimestampOption;
  readonly sunsetTime?: TimestampOption;
  readonly link: string;
}

/**
 * getDeprecationOptions returns the RPC's `platform.v1.deprecation` and its
 * service's `platform.v1.service_deprecation`, each undefined when unset.
 */
export function getDeprecationOptions(method: DescMethod): {
  readonly own: DeprecationOption | undefined;
  readonly service: DeprecationOption | undefined;
} {
  return {
    own: getOptionByName<DeprecationOption>(method, "platform.v1.deprecation"),
    service: getOptionByName<DeprecationOption>(method.parent, "platform.v1.service_deprecation"),
  };
}

/** getOptionByName reads a custom option of an RPC or service, or undefined when it is unset or unknown. */
function getOptionByName<T>(desc: DescMethod | DescService, typeName: string): T | undefined {
  const file = desc.kind === "rpc" ? desc.parent.file : desc.file;
  const ext = findExtension(file, typeName);
  if (ext === undefined || !hasOption(desc, ext)) return undefined;
  return getOption(desc, ext) as T;
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
