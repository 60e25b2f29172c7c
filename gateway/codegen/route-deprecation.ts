import type { DescMethod } from "@bufbuild/protobuf";
import {
  type DeprecationOption,
  getDeprecationOptions,
  type TimestampOption,
} from "./annotations.js";
import { RuleError } from "./field-paths.js";

/**
 * RouteDeprecation is a deprecated RPC's `platform.v1.deprecation`, checked,
 * with the response headers the gateway sends on every response of its
 * routes already formatted (the runtime only copies them, STYLE.md 15).
 */
export interface RouteDeprecation {
  readonly deprecationTime: Date;
  readonly sunsetTime: Date | undefined;
  /** The migration guide, as an absolute URL. */
  readonly link: string | undefined;
  /** [name, value] pairs: `deprecation`, then `sunset` and `link` when set. */
  readonly headers: readonly (readonly [name: string, value: string])[];
}

// google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
const MIN_SECONDS = -62_135_596_800n;
const MAX_SECONDS = 253_402_300_799n;

/**
 * compileDeprecation reads an RPC's deprecation: its own
 * `platform.v1.deprecation`, else its service's `service_deprecation`.
 * `deprecated = true` and the option go together, or it throws a RuleError:
 * RFC 9745 gives `Deprecation` a date, which only the option knows, and
 * typed clients (protoc-gen-es, grpc) only read `deprecated = true`, so one
 * without the other would tell gateway and RPC clients different stories.
 */
export function compileDeprecation(method: DescMethod): RouteDeprecation | undefined {
  const { own, service } = getDeprecationOptions(method);
  if (service !== undefined && !method.parent.deprecated) {
    throw new RuleError(
      "its service has platform.v1.service_deprecation but not option deprecated = true",
    );
  }
  const deprecated = method.deprecated || method.parent.deprecated;
  const option = own ?? service;
  if (option === undefined && deprecated) {
    throw new RuleError(
      "is deprecated = true but has no platform.v1.deprecation (nor its service a " +
        "platform.v1.service_deprecation) to date it: the Deprecation header (RFC 9745) is a date",
    );
  }
  if (option !== undefined && !deprecated) {
    throw new RuleError("has platform.v1.deprecation but not option deprecated = true");
  }
  return option === undefined ? undefined : checkDeprecation(option);
}

function checkDeprecation(option: DeprecationOption): RouteDeprecation {
  if (option.deprecationTime === undefined) {
    throw new RuleError("platform.v1.deprecation needs a deprecation_time");
  }
  const deprecationTime = toDate(option.deprecationTime, "deprecation_time");
  const sunsetTime =
    option.sunsetTime === undefined ? undefined : toDate(option.sunsetTime, "sunset_time");
  if (sunsetTime !== undefined && sunsetTime < deprecationTime) {
    // RFC 9745 §4: the Sunset timestamp MUST NOT be earlier than the Deprecation one.
    throw new RuleError(
      `platform.v1.deprecation: sunset_time ${sunsetTime.toISOString()} is earlier than ` +
        `deprecation_time ${deprecationTime.toISOString()}`,
    );
  }
  const link = option.link === "" ? undefined : checkLink(option.link);
  return {
    deprecationTime,
    sunsetTime,
    link,
    headers: deprecationHeaders(deprecationTime, sunsetTime, link),
  };
}

/** toDate converts a Timestamp to a whole-second Date: both headers carry seconds only. */
function toDate(timestamp: TimestampOption, field: string): Date {
  const { seconds, nanos } = timestamp;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
    throw new RuleError(`platform.v1.deprecation: ${field} is not a valid Timestamp`);
  }
  return new Date(Number(seconds) * 1000);
}

/** checkLink accepts an absolute http(s) URL and returns it serialized, so it is safe between `<` and `>`. */
function checkLink(link: string): string {
  const url = URL.canParse(link) ? new URL(link) : undefined;
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new RuleError(`platform.v1.deprecation: link "${link}" is not an absolute http(s) URL`);
  }
  return url.href;
}

function deprecationHeaders(
  deprecationTime: Date,
  sunsetTime: Date | undefined,
  link: string | undefined,
): [string, string][] {
  // RFC 9745 §2.1: an RFC 9651 Date, "@" and the Unix time in seconds.
  const headers: [string, string][] = [["deprecation", `@${deprecationTime.getTime() / 1000}`]];
  // RFC 8594 §3: an HTTP-date, which toUTCString writes as IMF-fixdate (RFC 9110 §5.6.7).
  if (sunsetTime !== undefined) headers.push(["sunset", sunsetTime.toUTCString()]);
  if (link !== undefined) {
    // RFC 9745 §3 "deprecation" and RFC 8594 §6 "sunset" link relations (RFC 8288 syntax).
    const sunsetLink = sunsetTime === undefined ? "" : `, <${link}>; rel="sunset"`;
    headers.push(["link", `<${link}>; rel="deprecation"${sunsetLink}`]);
  }
  return headers;
}
