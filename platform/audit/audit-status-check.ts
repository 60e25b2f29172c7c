import { ok, type StatusCheck, warn } from "../status/status-check.js";
import type { AuditBacklog } from "./audit-backlog.js";
import { unsealedWarnMs } from "./audit-command.js";

/**
 * createAuditStatusCheck is the `audit` subsystem of `/status`: the sealer's
 * backlog (`audit_unsealed`, `audit_oldest_unsealed_ms`), WARN when a row
 * has waited longer than `npm run audit -- verify` tolerates (60 s): the
 * sealer is failing, see the service's log. One query on a partial index.
 */
export function createAuditStatusCheck(backlog: () => Promise<AuditBacklog>): StatusCheck {
  return {
    subsystem: "audit",
    async run() {
      const { unsealed, oldestMs } = await backlog();
      const metrics = { audit_unsealed: unsealed, audit_oldest_unsealed_ms: oldestMs };
      if (oldestMs <= unsealedWarnMs) return ok(metrics);
      return warn(
        `${unsealed} audit rows unsealed for up to ${Math.round(oldestMs / 1000)} s`,
        metrics,
      );
    },
  };
}
