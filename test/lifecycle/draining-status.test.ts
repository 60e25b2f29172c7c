import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getStatus } from "../status/status-http.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";

// Long enough to look at the admin port while the drain waits for load
// balancers; the port itself only closes at the end of the drain.
const SHUTDOWN_DELAY_MS = 1_500;

let identity: TestIdentity;
let stopping: Promise<void> | undefined;
afterAll(async () => {
  await (stopping ?? identity?.stop());
});
beforeAll(async () => {
  identity = await startTestIdentity({ SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS) });
  await identity.service.status.refresh();
});

describe("the status pages of a draining service", () => {
  it("turn ERROR draining with 503 as soon as readiness does, though every check was OK", async () => {
    const admin = identity.service.adminPort;
    expect((await getStatus(admin, "/status/health")).code).toBe(200);

    stopping = identity.stop();
    const [ready, health, page] = await Promise.all([
      fetch(`http://127.0.0.1:${admin}/health/ready`),
      getStatus(admin, "/status/health"),
      getStatus(admin, "/status"),
    ]);
    expect([ready.status, await ready.text()]).toEqual([503, "draining\n"]);
    expect(health).toMatchObject({ code: 503, text: "status: ERROR\n" });
    expect(page.code).toBe(503);
    expect(page.fields.get("status")).toBe("ERROR draining");
    // The checks' last results stay on the page.
    expect(page.fields.get("database_status")).toBe("OK");
    await stopping;
  });
});
