import { Code, ConnectError } from "@connectrpc/connect";

/*
 * Percent-decoding of path variables, per google/api/http.proto ("Path
 * template syntax"): a variable matching a single segment is sent with every
 * character outside [-_.~0-9a-zA-Z] percent-encoded and "the server side
 * does the reverse decoding". A variable matching several segments uses
 * reserved expansion: "/" separates segments and "the server side does the
 * reverse decoding, except "%2F" and "%2f" are left unchanged", so an
 * encoded slash inside a name segment stays distinguishable from a separator.
 */

const ENCODED_SLASH = /(%2[Ff])/;

/**
 * assertValidPercentEncoding throws INVALID_ARGUMENT when the raw path holds
 * a "%" not followed by two hex digits, or escapes that are not valid UTF-8.
 * Checked once for the whole path, so the decoders below cannot fail.
 */
export function assertValidPercentEncoding(rawPath: string): void {
  if (!rawPath.includes("%")) return;
  try {
    decodeURIComponent(rawPath);
  } catch {
    throw new ConnectError("the URL path has invalid percent-encoding", Code.InvalidArgument);
  }
}

/** decodeSegment fully decodes one segment (a `*` variable, or a literal to compare). */
export function decodeSegment(raw: string): string {
  return raw.includes("%") ? decodeURIComponent(raw) : raw;
}

/** decodeReservedExpansion decodes a multi-segment value but keeps `%2F` / `%2f` as sent. */
export function decodeReservedExpansion(raw: string): string {
  if (!raw.includes("%")) return raw;
  // split() with a capturing group keeps the separators at odd indexes.
  const parts = raw.split(ENCODED_SLASH);
  for (let i = 0; i < parts.length; i += 2) parts[i] = decodeURIComponent(parts[i]!);
  return parts.join("");
}
