import type { AuditAnchor, AuditChainReport } from "./verify-audit-chain.js";

/** AuditCommand is one parsed invocation of `npm run audit`. */
export interface AuditCommand {
  readonly kind: "verify";
  /** The services to verify, in order; every known one unless `--service` chose one. */
  readonly services: readonly string[];
  /** A head recorded earlier; only with a single service. */
  readonly anchor?: AuditAnchor | undefined;
}

/** auditUsage is printed on bad usage. */
export const auditUsage = `usage: npm run audit -- verify [--service <name>] [--anchor <seq>:<hash>]

  verify                   recompute every service's audit hash chain (its sealed rows) and
                           count rows not sealed yet; exit 0 when all chains are intact,
                           1 when one is broken or cannot be read
  --service <name>         only this service
  --anchor <seq>:<hash>    a head printed by an earlier verify (with --service): also detects
                           a deleted tail or a chain rewritten from some row on

Reads DATABASE_URL, or each service's embedded database under DATA_DIR/<service>.`;

/** AuditUsageError is a command line that does not parse; the message says why. */
export class AuditUsageError extends Error {
  override name = "AuditUsageError";
}

const anchorPattern = /^([1-9]\d{0,15}):([0-9a-f]{64})$/;

/** parseAuditArgs parses the arguments after `npm run audit --`, given the known services. */
export function parseAuditArgs(args: readonly string[], known: readonly string[]): AuditCommand {
  const [kind, ...rest] = args;
  if (kind !== "verify") {
    throw new AuditUsageError(kind === undefined ? "missing command" : `unknown command ${kind}`);
  }
  let services = known;
  let anchor: AuditAnchor | undefined;
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (value === undefined) throw new AuditUsageError(`${flag} needs a value`);
    if (flag === "--service") services = [knownService(value, known)];
    else if (flag === "--anchor") anchor = parseAnchor(value);
    else throw new AuditUsageError(`unknown option ${flag}`);
  }
  if (anchor !== undefined && services.length !== 1) {
    throw new AuditUsageError("--anchor belongs to one chain: add --service <name>");
  }
  return { kind, services, anchor };
}

function knownService(name: string, known: readonly string[]): string {
  if (known.includes(name)) return name;
  throw new AuditUsageError(`unknown service ${name} (audited services: ${known.join(", ")})`);
}

function parseAnchor(value: string): AuditAnchor {
  const match = anchorPattern.exec(value);
  if (match === null) throw new AuditUsageError("--anchor needs <seq>:<64 hex digits>");
  return { seq: Number(match[1]), hash: match[2]! };
}

/**
 * unsealedWarnMs is how old an unsealed row may be before verify warns: a
 * running sealer seals within a second or two, so a minute means it is not
 * running (or failing; see the service's log).
 */
export const unsealedWarnMs = 60_000;

/**
 * formatAuditReport is what `npm run audit -- verify` prints for a service:
 * one line for the chain, and a WARN line when unsealed rows are older than
 * {@link unsealedWarnMs} (a stalled sealer, not a broken chain: the exit
 * code does not change). The head's hash is printed in full so an operator
 * can record it outside the database and pass it back later as
 * `--anchor <seq>:<hash>`.
 */
export function formatAuditReport(service: string, report: AuditChainReport): string {
  const lines = [chainLine(service, report)];
  const { unsealed, oldestMs } = report.unsealed;
  if (unsealed > 0 && oldestMs > unsealedWarnMs) {
    lines.push(
      `${service}: WARN ${unsealed} rows unsealed, the oldest for ${Math.round(oldestMs / 1000)} s (is the service's sealer running?)`,
    );
  }
  return lines.join("\n");
}

function chainLine(service: string, report: AuditChainReport): string {
  if (!report.ok) return `${service}: BROKEN at seq ${report.brokenAt}: ${report.reason}`;
  const pending = report.unsealed.unsealed > 0 ? `, ${report.unsealed.unsealed} unsealed` : "";
  if (report.head === undefined) return `${service}: ok, 0 rows (empty chain)${pending}`;
  const { seq, hash } = report.head;
  return `${service}: ok, ${report.rows} rows, head seq ${seq} hash ${hash}${pending}`;
}
