import type { X509Certificate } from "node:crypto";

const dayMs = 24 * 60 * 60 * 1000;

// Certificates start an hour in the past so a container whose clock lags
// the host's does not reject a certificate issued a moment ago.
const backdateMs = 60 * 60 * 1000;

/** renewBeforeMs: certificates this close to expiry are replaced at startup. */
export const renewBeforeMs = 7 * dayMs;

/** validityPeriod returns `notBefore`/`notAfter` for a certificate valid `days` from now. */
export function validityPeriod(
  days: number,
  now = Date.now(),
): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(now - backdateMs), notAfter: new Date(now + days * dayMs) };
}

/** expiresSoon tells whether `cert` is expired or expires within {@link renewBeforeMs}. */
export function expiresSoon(cert: X509Certificate, now = Date.now()): boolean {
  // validTo is OpenSSL's "Nov 21 10:00:00 2035 GMT", which Date parses.
  const notAfter = Date.parse(cert.validTo);
  return Number.isNaN(notAfter) || notAfter - now < renewBeforeMs;
}
