CREATE SCHEMA "gateway";
--> statement-breakpoint
CREATE TABLE "gateway"."idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"state" text NOT NULL,
	"locked_until" timestamp with time zone,
	"response_status" integer,
	"response_content_type" text,
	"response_body" text,
	"create_time" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key"),
	CONSTRAINT "idempotency_keys_state_check" CHECK (("gateway"."idempotency_keys"."state" = 'in_flight' and "gateway"."idempotency_keys"."locked_until" is not null) or ("gateway"."idempotency_keys"."state" = 'done' and "gateway"."idempotency_keys"."response_status" is not null and "gateway"."idempotency_keys"."response_body" is not null)),
	CONSTRAINT "idempotency_keys_key_length_check" CHECK (char_length("gateway"."idempotency_keys"."key") between 1 and 255)
);
--> statement-breakpoint
CREATE INDEX "idempotency_keys_create_time_idx" ON "gateway"."idempotency_keys" USING btree ("create_time");