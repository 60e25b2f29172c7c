-- Audit rows are inserted unsealed: the trigger now also refuses an INSERT that
-- sets seq, prev_hash or hash (platform/audit/audit-trigger-sql.ts).
CREATE OR REPLACE FUNCTION "orders"."audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.seq IS NULL AND NEW.prev_hash IS NULL AND NEW.hash IS NULL THEN
			RETURN NEW;
		END IF;
		RAISE EXCEPTION 'orders.audit_log rows are inserted unsealed: seq, prev_hash and hash are set by the sealer'
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF TG_OP = 'UPDATE' THEN
		IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
			AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
			AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash') THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION 'orders.audit_log is append-only: % is not allowed', TG_OP
		USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_log_insert_unsealed" BEFORE INSERT ON "orders"."audit_log" FOR EACH ROW EXECUTE FUNCTION "orders"."audit_log_append_only"();
