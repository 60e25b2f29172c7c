export { type AuditEntry, appendAudit } from "./append-audit.js";
export { type AuditBacklog, auditBacklog } from "./audit-backlog.js";
export { type AuditCaller, auditCallerOf } from "./audit-caller.js";
export { type AuditHashInput, auditHash, auditHashFormat, genesisHash } from "./audit-hash.js";
export { type AuditSealer, type AuditSealerOptions, startAuditSealer } from "./audit-sealer.js";
export {
  type AuditDetails,
  type AuditJson,
  type AuditOutcome,
  type AuditRow,
  type AuditTable,
  createAuditTable,
  type SealedAuditRow,
} from "./audit-table.js";
export {
  auditInsertTriggerSql,
  auditTriggerFunctionSql,
  auditTriggerSql,
} from "./audit-trigger-sql.js";
export { canonicalJson } from "./canonical-json.js";
export { type SealOptions, sealAudit } from "./seal-audit.js";
export {
  type AuditAnchor,
  type AuditChainReport,
  type AuditProblem,
  type VerifyOptions,
  verifyAuditChain,
} from "./verify-audit-chain.js";
