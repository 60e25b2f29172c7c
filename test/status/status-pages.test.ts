import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../platform/status/build-info.js";
import { ok, type StatusCheck, error as statusError } from "../../platform/status/index.js";
import { startTestIdentity, type TestIdentity } from "../support/start-test-identity.js";
import { getStatus, runsOf } from "./status-http.js";

// startTestIdentity runs on real Postgres when TEST_DATABASE_URL is set (CI).
const databaseKind = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";

const packageVersion = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")).version;

let identity: TestIdentity;
let admin: number;

beforeAll(async () => {
  identity = await startTestIdentity();
  admin = identity.service.adminPort;
  // The first run starts with the service; wait for its results.
  await identity.service.status.refresh();
});
afterAll(async () => {
  await identity?.stop();
});

describe("/status on identity, from 127.0.0.1", () => {
  it("is plain key: value text: the status, each subsystem's, their metrics, what is running", async () => {
    const res = await getStatus(admin, "/status");
    expect(res.code).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const keys = [...res.fields.keys()];
    expect(keys.slice(0, 4)).toEqual([
      "status",
      "database_status",
      "events_status",
      "upstreams_status",
    ]);
    expect(keys).toEqual(
      expect.arrayContaining([
        "database_latency_ms",
        "database_kind",
        "events_broker",
        "events_broker_ping_ms",
        "upstreams_count",
      ]),
    );
    expect(keys.slice(-6)).toEqual([
      "uptime_seconds",
      "version",
      "git_sha",
      "build_time",
      "node_version",
      "checked_at",
    ]);
    expect(res.fields.get("status")).toBe("OK");
    expect(res.fields.get("database_kind")).toBe(databaseKind);
    expect(Number(res.fields.get("database_latency_ms"))).toBeGreaterThanOrEqual(0);
    expect(res.fields.get("events_broker")).toBe("memory");
    expect(res.fields.get("upstreams_count")).toBe("0");
  });

  it("says what is running: version, git sha, build time, Node version, uptime", async () => {
    const { fields } = await getStatus(admin, "/status");
    expect(fields.get("version")).toBe(packageVersion);
    expect(fields.get("git_sha")).toMatch(/^[0-9a-f]{40}$/);
    expect(fields.get("build_time")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(fields.get("node_version")).toBe(process.version);
    expect(Number(fields.get("uptime_seconds"))).toBeGreaterThanOrEqual(0);
  });

  it("is JSON for Accept: application/json and for ?format=json", async () => {
    for (const [path, headers] of [
      ["/status", { accept: "application/json" }],
      ["/status?format=json", {}],
    ] as const) {
      const res = await getStatus(admin, path, headers);
      expect(res.code).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      const body = JSON.parse(res.text);
      expect(Object.keys(body)).toEqual([
        "status",
        "message",
        "subsystems",
        "uptime_seconds",
        "version",
        "git_sha",
        "build_time",
        "node_version",
        "checked_at",
      ]);
      expect(body.status).toBe("OK");
      expect(Object.keys(body.subsystems)).toEqual(["database", "events", "upstreams", "audit"]);
      expect(body.subsystems.database).toMatchObject({
        status: "OK",
        message: "",
        metrics: { kind: databaseKind, latency_ms: expect.any(Number) },
      });
      expect(body.git_sha).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it("shows one subsystem at /status/<subsystem>, and 404 for an unknown one", async () => {
    const res = await getStatus(admin, "/status/database");
    expect(res.code).toBe(200);
    expect(res.fields.get("status")).toBe("OK");
    expect(res.fields.get("database_status")).toBe("OK");
    expect(res.fields.has("events_status")).toBe(false);
    expect(res.fields.has("database_latency_ms")).toBe(true);
    const json = JSON.parse((await getStatus(admin, "/status/events?format=json")).text);
    expect(Object.keys(json.subsystems)).toEqual(["events"]);
    expect((await getStatus(admin, "/status/nope")).code).toBe(404);
  });

  it("answers load balancers at /status/health with the status line alone", async () => {
    const res = await getStatus(admin, "/status/health");
    expect(res.code).toBe(200);
    expect(res.text).toBe("status: OK\n");
  });

  it("exports each subsystem's status as the status_check gauge on /metrics", async () => {
    const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    for (const subsystem of ["database", "events", "upstreams"]) {
      expect(text).toContain(`status_check{subsystem="${subsystem}",service="identity"} 0`);
    }
  });

  it("never runs a check to answer a request: polling reads the cache", async () => {
    let runs = 0;
    const counted: StatusCheck = {
      subsystem: "counted",
      run: async () => {
        runs++;
        return ok();
      },
    };
    identity.service.status.register(counted);
    await expect.poll(() => runs).toBe(1);
    const before = { runs, database: await runsOf(admin, "database"), at: Date.now() };
    for (let i = 0; i < 50; i++) {
      await Promise.all([
        getStatus(admin, "/status"),
        getStatus(admin, "/status?format=json"),
        getStatus(admin, "/status/counted"),
        getStatus(admin, "/status/health"),
      ]);
    }
    // Only the background schedule (every 5 s by default) may have run them since.
    const ticks = Math.floor((Date.now() - before.at) / 5_000) + 1;
    expect(runs - before.runs).toBeLessThanOrEqual(ticks);
    expect((await runsOf(admin, "database")) - before.database).toBeLessThanOrEqual(ticks);
  });

  it("turns ERROR with 503 when a subsystem fails, and back to OK when it recovers", async () => {
    let broken = true;
    identity.service.status.register({
      subsystem: "widget",
      run: async () =>
        broken ? statusError("widget pool exhausted", { free: 0 }) : ok({ free: 4 }),
    });
    await identity.service.status.refresh();
    const down = await getStatus(admin, "/status");
    expect(down.code).toBe(503);
    expect(down.fields.get("status")).toBe("ERROR widget: widget pool exhausted");
    expect(down.fields.get("widget_status")).toBe("ERROR widget pool exhausted");
    expect(down.fields.get("widget_free")).toBe("0");
    expect(await getStatus(admin, "/status/health")).toMatchObject({
      code: 503,
      text: "status: ERROR\n",
    });
    expect((await getStatus(admin, "/status/database")).code).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    expect(metrics).toContain('status_check{subsystem="widget",service="identity"} 2');

    broken = false;
    await identity.service.status.refresh();
    const up = await getStatus(admin, "/status");
    expect(up.code).toBe(200);
    expect(up.fields.get("status")).toBe("OK");
    expect(await getStatus(admin, "/status/health")).toMatchObject({
      code: 200,
      text: "status: OK\n",
    });
  });
});
