import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../platform/config/index.js";
import { ok, error as statusError } from "../../platform/status/index.js";
import { getStatus, startIdentityWith, type TestService } from "./status-http.js";

const PASSWORD = "correct horse: battery staple";
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});

let identity: TestService;
let admin: number;

beforeAll(async () => {
  // Only a documentation address may see details by address: not this test's 127.0.0.1.
  identity = await startIdentityWith({
    STATUS_ALLOW: "192.0.2.0/24,2001:db8::/32",
    STATUS_USERNAME: "ops",
    STATUS_PASSWORD: PASSWORD,
  });
  admin = identity.service.adminPort;
  await identity.service.status.refresh();
});
afterAll(async () => {
  await identity?.stop();
});

describe("/status details behind STATUS_ALLOW and basic auth", () => {
  it("shows a client outside the allow list the overall status line alone", async () => {
    for (const path of ["/status", "/status/database", "/status/nope"]) {
      const res = await getStatus(admin, path);
      expect(res.code, path).toBe(200);
      expect(res.text, path).toBe("status: OK\n");
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="status"');
    }
    const json = await getStatus(admin, "/status?format=json");
    expect(JSON.parse(json.text)).toEqual({ status: "OK" });
  });

  it("answers wrong credentials 401, showing nothing", async () => {
    const wrong = [
      basic("ops", "wrong"),
      basic("root", PASSWORD),
      basic("ops", ""),
      { authorization: "Bearer x" },
    ];
    for (const headers of wrong) {
      const res = await getStatus(admin, "/status", headers);
      expect(res.code).toBe(401);
      expect(res.text).toBe("error: wrong credentials\n");
      expect(res.headers.get("www-authenticate")).toBe('Basic realm="status"');
    }
  });

  it("shows the details to the right credentials", async () => {
    const res = await getStatus(admin, "/status", basic("ops", PASSWORD));
    expect(res.code).toBe(200);
    expect(res.headers.get("www-authenticate")).toBeNull();
    expect(res.fields.get("database_status")).toBe("OK");
    expect(res.fields.get("git_sha")).toMatch(/^[0-9a-f]{40}$/);
    expect((await getStatus(admin, "/status/nope", basic("ops", PASSWORD))).code).toBe(404);
  });

  it("keeps /status/health open to load balancers", async () => {
    const res = await getStatus(admin, "/status/health");
    expect(res).toMatchObject({ code: 200, text: "status: OK\n" });
    expect(res.headers.get("www-authenticate")).toBeNull();
  });

  it("hides why it is failing, not that it is: 503 with the level alone", async () => {
    let broken = true;
    identity.service.status.register({
      subsystem: "secrets_vault",
      run: async () => (broken ? statusError("vault at 10.0.0.7:8200 refused") : ok()),
    });
    await identity.service.status.refresh();
    const hidden = await getStatus(admin, "/status");
    expect(hidden).toMatchObject({ code: 503, text: "status: ERROR\n" });
    const shown = await getStatus(admin, "/status", basic("ops", PASSWORD));
    expect(shown.fields.get("status")).toBe("ERROR secrets_vault: vault at 10.0.0.7:8200 refused");
    broken = false;
  });
});

describe("status access configuration", () => {
  it("refuses a username without a password, and an allow list that is not addresses", async () => {
    await expect(startIdentityWith({ STATUS_USERNAME: "ops" })).rejects.toThrow(ConfigError);
    await expect(startIdentityWith({ STATUS_ALLOW: "intranet" })).rejects.toThrow(
      /STATUS_ALLOW: expected IPs or CIDRs/,
    );
  });
});
