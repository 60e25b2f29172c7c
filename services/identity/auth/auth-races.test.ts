import { Code } from "@connectrpc/connect";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../../platform/db/index.js";
import * as schema from "../db/schema.js";
import {
  codeOf,
  type IdentityTestClients,
  startIdentityWithClients,
  uniqueEmail,
} from "../testing/identity-test-clients.js";
import { countLoginFailure } from "./account-store.js";
import { revokeSession, rotateRefreshToken } from "./sessions.js";

// Races between calls on one account or one token family, sent together as
// an attacker (or a client with two tabs) would.

let t: IdentityTestClients;
const password = "correct horse battery staple";
const maxFailures = 3;

beforeAll(async () => {
  t = await startIdentityWithClients({
    LOGIN_MAX_FAILURES: String(maxFailures),
    LOGIN_LOCK_SECONDS: "600",
  });
});
afterAll(() => t.stop());

const wrongGuesses = [...Array(12)].map((_, i) => `wrong guess ${i}`);

function login(email: string, password: string): Promise<Code | undefined> {
  return codeOf(t.auth.login({ email, password }));
}

// loginAudit counts the user's auth.* audit rows by action and reason.
async function loginAudit(userId: string): Promise<Record<string, number>> {
  const rows = await t.sql!`select action, details->>'reason' as reason from identity.audit_log
    where target = ${`user:${userId}`} and action like 'auth.%'`;
  const counts: Record<string, number> = {};
  for (const { action, reason } of rows) {
    const key = reason ? `${action} ${reason}` : action;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function register() {
  const email = uniqueEmail();
  const res = await t.auth.register({ email, password, displayName: "Ada" });
  return { email, userId: res.user!.userId, tokens: res.tokens! };
}

describe("lock-out under concurrent guesses", () => {
  it("counts at most LOGIN_MAX_FAILURES of a burst, locks once, and does not push the lock later", async () => {
    const { email, userId } = await register();
    // All read the account unlocked before any failure is counted.
    const results = await Promise.all(wrongGuesses.map((p) => login(email, p)));
    expect(results).toEqual(wrongGuesses.map(() => Code.Unauthenticated));
    expect(await login(email, password)).toBe(Code.Unauthenticated);
    if (!t.sql) return;
    // The lock runs from the failure that set it: the later ones, counted
    // or not, did not push it (the audit row's time is a little later than
    // its transaction's now(); 1 ms for its rounding).
    const [user] = await t.sql`select failed_logins, locked_until <= (select time from
      identity.audit_log where target = ${`user:${userId}`} and action = 'auth.account.locked')
      + interval '600.001 seconds' as from_first_lock
      from identity.users where user_id = ${userId}`;
    expect({ ...user }).toEqual({ failed_logins: maxFailures, from_first_lock: true });
    expect(await loginAudit(userId)).toEqual({
      "auth.account.locked": 1,
      "auth.login.failed wrong_password": maxFailures,
      "auth.login.failed locked": wrongGuesses.length + 1 - maxFailures,
    });
  });

  // The bypass: the right password is checked while the account is still
  // unlocked, and failures concurrent with it lock the account before it is
  // granted. Sent all at once, which comes first is up to the scheduler (a
  // right password that wins the race is a fair login), so the failures are
  // counted here, by the same code, in a transaction that commits only once
  // the right password's login waits on the row.
  it.runIf(process.env.TEST_DATABASE_URL)(
    "refuses the right password when concurrent failures lock the account while it is checked",
    async () => {
      const { email, userId } = await register();
      const client = postgres(t.identity.databaseUrl!, { max: 1 });
      const policy = { maxFailures, lockSeconds: 600 };
      try {
        let right: Promise<Code | undefined> | undefined;
        await withTransaction(drizzle(client, { schema }), async (tx) => {
          for (let i = 0; i < maxFailures; i++) await countLoginFailure(tx, userId, policy);
          right = login(email, password);
          await waitForLockWaits(1);
        });
        expect(await right).toBe(Code.Unauthenticated);
        expect(await login(email, password)).toBe(Code.Unauthenticated);
        const [user] = await t.sql!`select failed_logins from identity.users
          where user_id = ${userId}`;
        expect(user!.failed_logins).toBe(maxFailures);
        expect(await loginAudit(userId)).toEqual({ "auth.login.failed locked": 2 });
      } finally {
        await client.end();
      }
    },
  );
});

describe("refresh concurrent with logout", () => {
  it("leaves neither token usable, whichever runs first", async () => {
    const { tokens } = await register();
    const [refreshed] = await Promise.allSettled([
      t.auth.refresh({ refreshToken: tokens.refreshToken }),
      t.auth.logout({ refreshToken: tokens.refreshToken }),
    ]);
    expect(await codeOf(t.auth.refresh({ refreshToken: tokens.refreshToken }))).toBe(
      Code.Unauthenticated,
    );
    if (refreshed.status === "fulfilled") {
      const next = refreshed.value.tokens!.refreshToken;
      expect(await codeOf(t.auth.refresh({ refreshToken: next }))).toBe(Code.Unauthenticated);
    }
  });

  // The interleaving that lost the successor: Logout starts while a refresh
  // transaction has spent the token and inserted its successor but not yet
  // committed. Real Postgres only: PGlite runs one transaction at a time.
  it.runIf(process.env.TEST_DATABASE_URL)(
    "revokes the successor of a refresh that was in flight when Logout began",
    async () => {
      const { tokens } = await register();
      const client = postgres(t.identity.databaseUrl!, { max: 2 });
      const db = drizzle(client, { schema });
      const caller = { actor: "anonymous" };
      try {
        let logout: Promise<void> | undefined;
        const next = await withTransaction(db, async (tx) => {
          const signedIn = await rotateRefreshToken(tx, tokens.refreshToken, caller, 3600);
          logout = revokeSession(db, tokens.refreshToken, caller);
          await waitForLockWaits(1);
          return signedIn!.refreshToken;
        });
        await logout;
        for (const token of [tokens.refreshToken, next]) {
          expect(await codeOf(t.auth.refresh({ refreshToken: token }))).toBe(Code.Unauthenticated);
        }
      } finally {
        await client.end();
      }
    },
  );
});

// waitForLockWaits returns once `n` sessions of this database wait for a
// lock (a user's row, or a token family), so the test lets them go only
// once they have done the work before it.
async function waitForLockWaits(n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [row] = await t.sql!`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock'`;
    if (row!.n >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`fewer than ${n} sessions ever waited for a lock`);
}
