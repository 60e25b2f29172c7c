// Every integer beyond ±(2^53−1) has at least 16 digits in a row.
const LONG_DIGITS = /\d{16}/;

/**
 * findUnsafeInteger returns the first integer number literal of a JSON text
 * (no fraction, no exponent) that a JavaScript number cannot hold exactly,
 * outside ±(2^53−1), or undefined. JSON.parse would round it silently, and
 * an int64 field would receive another value than the client sent (RFC 8259
 * §6 warns of exactly this; ProtoJSON writes 64-bit integers as strings).
 * Numbers inside strings and numbers with a fraction or exponent (a double's
 * 1e300) are not integer literals and pass.
 *
 * A body without 16 digits in a row, almost every one, costs one native
 * regular-expression scan; only the others are tokenized.
 */
export function findUnsafeInteger(text: string): string | undefined {
  if (!LONG_DIGITS.test(text)) return undefined;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34 /* '"' */) {
      i = stringEnd(text, i);
    } else if (c === 45 /* "-" */ || isDigit(c)) {
      const start = i;
      let integer = true;
      for (i++; i < text.length && isNumberChar(text.charCodeAt(i)); i++) {
        if (!isDigit(text.charCodeAt(i))) integer = false;
      }
      const literal = text.slice(start, i);
      if (integer && !Number.isSafeInteger(Number(literal))) return literal;
    } else {
      i++;
    }
  }
  return undefined;
}

// The index just past the string that opens at `open` (the text is valid JSON).
function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* "\" */) i++;
    else if (c === 34) return i + 1;
  }
  return text.length;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// Digits, ".", "e", "E", "+" and "-": what follows a number's first character.
function isNumberChar(c: number): boolean {
  return isDigit(c) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
}
