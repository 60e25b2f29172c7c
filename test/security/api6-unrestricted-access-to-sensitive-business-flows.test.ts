/**
 * OWASP API Security Top 10 2023, API6: Unrestricted Access to Sensitive
 * Business Flows
 * (https://owasp.org/API-Security/editions/2023/en/0xa6-unrestricted-access-to-sensitive-business-flows/).
 * The flows an attacker automates here are sign-in (credential stuffing)
 * and sign-up (mass account creation). Through the real gateway, with
 * RATE_LIMIT_AUTH at 5 per minute, from real distinct client addresses
 * (127.0.0.x on loopback): one IP is cut off after 5 attempts, forging
 * X-Forwarded-For does not buy a new budget (no proxy is trusted by
 * default), and identity's lock-out holds when the attempts come from
 * many IPs, each under its own budget.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type SecurityStack,
  type SendFrom,
  startSecurityStack,
  uniqueEmail,
} from "../support/security-stack.js";

const AUTH_BUDGET = 5;
// identity's default LOGIN_MAX_FAILURES.
const MAX_FAILURES = 10;

let stack: SecurityStack;
// Each case its own client addresses, so budgets never mix.
let nextHost = 2;
const newIp = () => `127.0.0.${nextHost++}`;

beforeAll(async () => {
  stack = await startSecurityStack({ RATE_LIMIT_AUTH: `${AUTH_BUDGET}/60` });
});

afterAll(async () => {
  await stack?.stop();
});

const login = (email: string, password: string, from: SendFrom, headers = {}) =>
  stack.api.send("POST", "/v1/auth/login", { json: { email, password }, headers, ...from });

describe("API6 sensitive business flows: sign-in and sign-up", () => {
  it("stops credential stuffing from one IP after RATE_LIMIT_AUTH attempts: 429 with Retry-After", async () => {
    const victim = await stack.signUp({ localAddress: newIp() });
    const attacker = { localAddress: newIp() };
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_BUDGET + 2; i++) {
      statuses.push((await login(victim.email, `guess-${i}`, attacker)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Even the right password is not tried once the IP is out of budget.
    const res = await login(victim.email, victim.password, attacker);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("RATE_LIMITED");
    expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
    expect(res.headers["ratelimit-policy"]).toBe(`"auth";q=${AUTH_BUDGET};w=60`);
    // The victim, from their own address, is not locked out by it.
    expect((await login(victim.email, victim.password, { localAddress: newIp() })).status).toBe(
      200,
    );
  });

  it("does not reset the per-IP budget for a forged X-Forwarded-For", async () => {
    const from = { localAddress: newIp() };
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_BUDGET + 1; i++) {
      const forged = { "x-forwarded-for": `203.0.113.${i + 1}, 198.51.100.${i + 1}` };
      statuses.push((await login(uniqueEmail("nobody"), "whatever-password", from, forged)).status);
    }
    expect(statuses.slice(0, AUTH_BUDGET)).not.toContain(429);
    expect(statuses[AUTH_BUDGET]).toBe(429);
  });

  it("locks the account when the guesses come from many IPs, each under its budget", async () => {
    const victim = await stack.signUp({ localAddress: newIp() });
    const perIp = AUTH_BUDGET - 1;
    let failures = 0;
    while (failures < MAX_FAILURES) {
      const from = { localAddress: newIp() };
      for (let i = 0; i < perIp && failures < MAX_FAILURES; i++, failures++) {
        expect((await login(victim.email, `spray-${failures}`, from)).status).toBe(401);
      }
    }
    // From a fresh IP with budget left, the right password no longer opens the account.
    const fresh = { localAddress: newIp() };
    const locked = await login(victim.email, victim.password, fresh);
    expect(locked.status).toBe(401);
    expect(locked.body.error.message).toBe("invalid email or password");
    // That IP itself is fine: another account signs in from it.
    const other = await stack.signUp({ localAddress: newIp() });
    expect((await login(other.email, other.password, fresh)).status).toBe(200);
  });

  it("limits mass sign-up from one IP: the account past the budget is not created", async () => {
    const from = { localAddress: newIp() };
    const register = (email: string) =>
      stack.api.send("POST", "/v1/auth/register", {
        json: { email, password: "correct horse battery", display_name: "Bot" },
        ...from,
      });
    const statuses: number[] = [];
    const emails = Array.from({ length: AUTH_BUDGET + 1 }, () => uniqueEmail("bot"));
    for (const email of emails) statuses.push((await register(email)).status);
    expect(statuses).toEqual([...Array(AUTH_BUDGET).fill(200), 429]);
    const last = await login(emails[AUTH_BUDGET]!, "correct horse battery", {
      localAddress: newIp(),
    });
    expect(last.status).toBe(401);
  });
});
