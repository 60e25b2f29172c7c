/**
 * A secret shown once is never saved with an idempotent response. The
 * gateway keeps each keyed POST's answer to replay it to retries, in its
 * database (and its backups) for a day or more; a new API key's `secret`
 * (`debug_redact` in the proto) is left out of what it keeps, so a replay
 * shows the key without it, and the key itself still works.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SecurityStack, startSecurityStack } from "../support/security-stack.js";
import { bearer } from "../support/test-tokens.js";
import type { TestUser } from "../support/test-users.js";

let stack: SecurityStack;
let user: TestUser;

beforeAll(async () => {
  stack = await startSecurityStack();
  user = await stack.newUser();
});
afterAll(async () => {
  await stack?.stop();
});

describe("an idempotent API key creation", () => {
  it("answers the secret once; its replay has the same key without it", async () => {
    const create = () =>
      stack.api.send("POST", "/v1/api-keys", {
        json: { name: "replayed", scopes: ["users:read"] },
        headers: { ...user.headers, "idempotency-key": "create-key-1" },
      });
    const first = await create();
    expect(first.status).toBe(200);
    expect(first.body.secret).toMatch(/^ppk_/);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();

    const replay = await create();
    expect(replay.status).toBe(200);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.body.api_key).toEqual(first.body.api_key);
    expect(replay.body.secret).toBe("");
    expect(replay.text).not.toContain(first.body.secret);

    const read = await stack.api.send("GET", `/v1/users/${user.userId}`, {
      headers: { authorization: bearer(first.body.secret) },
    });
    expect(read.status).toBe(200);
  });
});
