import { z } from "zod";

// Schemas for raw environment strings. Each one reports what it expected in
// words an operator can act on ("expected integer 1..65535"), because that
// message is all they see when a deployment fails to boot.

/** integer parses a base-10 integer within `min..max` (inclusive). */
export function integer(min: number, max: number) {
  const expected = `expected integer ${min}..${max}`;
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, { error: expected })
    .transform(Number)
    .pipe(z.number().int().min(min, { error: expected }).max(max, { error: expected }));
}

/** port parses a TCP port, 1..65535. */
export function port() {
  // 0 asks the OS for a free port: tests run many services side by side.
  return integer(0, 65535);
}

/** text parses a non-empty string, trimmed. */
export function text() {
  return z.string().trim().min(1, { error: "expected a non-empty string" });
}

/** oneOf parses one of a fixed list of words, e.g. log levels. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.join(", ")}` });
}

/**
 * url parses an absolute URL whose scheme is one of `protocols` (without the
 * colon) and returns it unchanged, so credentials and query options survive.
 */
export function url(protocols: readonly string[]) {
  const expected = `expected a URL starting with ${protocols.map((p) => `${p}://`).join(" or ")}`;
  return z
    .string()
    .trim()
    .refine((value) => protocols.includes(protocolOf(value) ?? ""), { error: expected });
}

function protocolOf(value: string): string | undefined {
  try {
    return new URL(value).protocol.slice(0, -1);
  } catch {
    return undefined;
  }
}

const truthy = ["true", "1", "yes", "on"];
const falsy = ["false", "0", "no", "off"];

/**
 * bool parses true/false, 1/0, yes/no, on/off (any case). It exists because
 * `z.coerce.boolean()` turns the string "false" into `true`.
 */
export function bool() {
  return z
    .string()
    .trim()
    .toLowerCase()
    .refine((value) => truthy.includes(value) || falsy.includes(value), {
      error: "expected true or false",
    })
    .transform((value) => truthy.includes(value));
}

/** ratio parses a decimal number within 0..1, e.g. a sampling probability. */
export function ratio() {
  const expected = "expected a number 0..1";
  return z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, { error: expected })
    .transform(Number);
}
