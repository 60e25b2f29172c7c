import { z } from "zod";

/**
 * DEFAULT_UPSTREAM_PORT is the RPC port assumed for an upstream that
 * UPSTREAMS does not list: `https://<name>:50051`, the Kubernetes Service
 * of that name in the caller's namespace (deploy/k8s/<name>-service.yaml).
 */
export const DEFAULT_UPSTREAM_PORT = 50051;

// A service name is a DNS label: it is the host of its default URL and the
// name in its SPIFFE id.
const SERVICE_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const UPSTREAMS_EXPECTED = "expected name=https://host:port entries separated by commas";

/** Upstreams maps a service name to its RPC base URL. */
export type Upstreams = Readonly<Record<string, string>>;

/**
 * upstreamList parses UPSTREAMS, `identity=https://127.0.0.1:50051,orders=…`,
 * into a frozen name → base URL map. Every entry must be an `https` URL
 * (mTLS always, DESIGN.md) and every name a DNS label, listed once.
 */
export function upstreamList() {
  return z
    .string()
    .trim()
    .transform((value, ctx) => {
      const upstreams: Record<string, string> = {};
      for (const entry of value.split(",").map((e) => e.trim())) {
        if (entry === "") continue;
        const problem = upstreamProblem(entry, upstreams);
        if (problem !== undefined) {
          ctx.addIssue({ code: "custom", message: `${problem} (${UPSTREAMS_EXPECTED})` });
          return z.NEVER;
        }
        const at = entry.indexOf("=");
        upstreams[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
      }
      return Object.freeze(upstreams) as Upstreams;
    });
}

function upstreamProblem(entry: string, seen: Record<string, string>): string | undefined {
  const at = entry.indexOf("=");
  if (at < 0) return `"${entry}" has no "="`;
  const name = entry.slice(0, at).trim();
  const url = entry.slice(at + 1).trim();
  if (!SERVICE_NAME.test(name)) return `"${name}" is not a service name`;
  if (name in seen) return `"${name}" is listed twice`;
  if (!URL.canParse(url) || new URL(url).protocol !== "https:") {
    return `${name}: "${url}" is not an https URL`;
  }
  return undefined;
}

/** upstreamUrl is a service's configured URL, else its default `https://<name>:50051`. */
export function upstreamUrl(upstreams: Upstreams, name: string): string {
  return upstreams[name] ?? defaultUpstreamUrl(name);
}

/** defaultUpstreamUrl is an unlisted upstream's URL, checked to be one. */
export function defaultUpstreamUrl(name: string): string {
  const url = `https://${name}:${DEFAULT_UPSTREAM_PORT}`;
  if (!SERVICE_NAME.test(name) || !URL.canParse(url)) {
    throw new Error(`upstream "${name}" has no valid default URL`);
  }
  return url;
}
