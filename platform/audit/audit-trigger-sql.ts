const schemaPattern = /^[a-z][a-z0-9_]{0,47}$/;

/**
 * auditTriggerSql is the SQL that makes `<schema>.audit_log` append-only in
 * the database: a trigger function that raises on every DELETE and TRUNCATE,
 * on every UPDATE but one, sealing, and on an INSERT of a row that claims
 * to be sealed already (see {@link auditTriggerFunctionSql}), so neither a
 * bug nor an application-level attacker can rewrite history or forge its
 * chain (the application role may still INSERT unsealed rows, and seal). Append it to the
 * migration that drizzle-kit generated for {@link createAuditTable}, after a
 * `--> statement-breakpoint`:
 *
 *     npx tsx -e 'import("./platform/audit/index.ts").then((a) => console.log(a.auditTriggerSql("orders")))'
 *
 * The text is in drizzle-kit's migration format (statements separated by
 * `--> statement-breakpoint`). A superuser or the table owner can still
 * disable or drop the trigger; the hash chain is what detects that kind of
 * tampering (see verifyAuditChain). SQLSTATE 42501 (insufficient_privilege)
 * marks the refusal.
 */
export function auditTriggerSql(schema: string): string {
  const fn = functionName(schema);
  return [
    auditTriggerFunctionSql(schema),
    `CREATE TRIGGER "audit_log_no_update_delete" BEFORE UPDATE OR DELETE ON "${schema}"."audit_log" FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "${schema}"."audit_log" FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    insertTrigger(schema),
  ].join("\n--> statement-breakpoint\n");
}

/**
 * auditInsertTriggerSql moves a table made before inserts were checked to
 * the current rules: the function replaced, and the INSERT trigger added.
 */
export function auditInsertTriggerSql(schema: string): string {
  return [auditTriggerFunctionSql(schema), insertTrigger(schema)].join(
    "\n--> statement-breakpoint\n",
  );
}

function insertTrigger(schema: string): string {
  return `CREATE TRIGGER "audit_log_insert_unsealed" BEFORE INSERT ON "${schema}"."audit_log" FOR EACH ROW EXECUTE FUNCTION ${functionName(schema)}();`;
}

/**
 * auditTriggerFunctionSql is the trigger function alone, `CREATE OR REPLACE`:
 * what a migration appends to move a table created before sealing existed
 * (whose triggers already call this function) to the sealing rules.
 *
 * The one UPDATE allowed is sealing: the row was unsealed (`seq`,
 * `prev_hash` and `hash` NULL), all three become non-NULL, and every other
 * column, including any added later, keeps its value (compared as the
 * row's jsonb minus those three). So a sealed row never changes, and an
 * unsealed row cannot change what it says. A row is inserted unsealed: only
 * the sealer, in order, gives it a place in the chain, so a row cannot be
 * slipped in with a sequence number and hashes of its own choosing.
 */
export function auditTriggerFunctionSql(schema: string): string {
  const chain = `- 'seq' - 'prev_hash' - 'hash'`;
  return `CREATE OR REPLACE FUNCTION ${functionName(schema)}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.seq IS NULL AND NEW.prev_hash IS NULL AND NEW.hash IS NULL THEN
			RETURN NEW;
		END IF;
		RAISE EXCEPTION '${schema}.audit_log rows are inserted unsealed: seq, prev_hash and hash are set by the sealer'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF TG_OP = 'UPDATE' THEN
		IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
			AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
			AND (to_jsonb(NEW) ${chain}) = (to_jsonb(OLD) ${chain}) THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION '${schema}.audit_log is append-only: % is not allowed', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END;
$$;`;
}

function functionName(schema: string): string {
  if (!schemaPattern.test(schema)) {
    throw new Error(`auditTriggerSql: invalid schema name ${JSON.stringify(schema)}`);
  }
  return `"${schema}"."audit_log_append_only"`;
}
