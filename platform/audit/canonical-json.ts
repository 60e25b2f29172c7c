/**
 * canonicalJson serializes a JSON value as RFC 8785, the JSON
 * Canonicalization Scheme (https://www.rfc-editor.org/rfc/rfc8785): no
 * whitespace, object members sorted by the UTF-16 code units of their names,
 * strings and numbers as ECMAScript's JSON.stringify writes them. So a value
 * that went through jsonb (which reorders keys and drops duplicates) encodes
 * to the same bytes as the value that was written.
 *
 * Like JSON.stringify, object members whose value is `undefined` are left
 * out, as jsonb would never have stored them. Non-finite numbers, bigints and
 * other non-JSON values throw: they have no JSON form to agree on.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "string" || typeof value === "boolean") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  }
  if (isPlainObject(value)) return canonicalObject(value);
  throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
}

function canonicalObject(value: Record<string, unknown>): string {
  // Array.prototype.sort's default order compares UTF-16 code units, which
  // is exactly RFC 8785 section 3.2.3.
  const members = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
  return `{${members.join(",")}}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
