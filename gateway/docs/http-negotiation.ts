/**
 * acceptsGzip reports whether an `Accept-Encoding` header admits gzip
 * (RFC 9110 §12.5.3): a `gzip` (or legacy `x-gzip`) entry with a non-zero
 * weight, or else a `*` entry with a non-zero weight.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let wildcard = false;
  for (const entry of header.split(",")) {
    const [coding = "", ...params] = entry.split(";").map((part) => part.trim().toLowerCase());
    const accepted = params.every((param) => !/^q=0(\.0{0,3})?$/.test(param));
    if (coding === "gzip" || coding === "x-gzip") return accepted;
    if (coding === "*") wildcard = accepted;
  }
  return wildcard;
}

/**
 * etagMatches reports whether an `If-None-Match` header matches `etag`,
 * using the weak comparison that RFC 9110 §13.1.2 prescribes for it
 * (`W/"x"` matches `"x"`); `*` matches any current representation.
 */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = stripWeak(etag);
  return header.split(",").some((tag) => {
    const candidate = tag.trim();
    return candidate === "*" || stripWeak(candidate) === opaque;
  });
}

function stripWeak(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}
