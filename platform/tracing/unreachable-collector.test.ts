import { afterEach, describe, expect, it, vi } from "vitest";
import { freePort as closedPort } from "../../bench/net-util.js";
import { createLogCapture, createLogger } from "../log/index.js";
import { startTracing, type Tracing } from "./start-tracing.js";

let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  vi.unstubAllEnvs();
});

async function startAgainstDeadCollector() {
  const log = createLogCapture();
  tracing = await startTracing({
    service: "svc",
    version: "1",
    endpoint: `http://127.0.0.1:${await closedPort()}`,
    logger: createLogger({ service: "svc", level: "info", destination: log.stream }),
  });
  const errors = () => log.lines().filter((l) => l.level === "error");
  return { tracer: tracing.tracer, errors };
}

describe("tracing to an unreachable collector", () => {
  it("logs the failed background export", async () => {
    // Spans would otherwise wait 5 s for their batch.
    vi.stubEnv("OTEL_BSP_SCHEDULE_DELAY", "20");
    const { tracer, errors } = await startAgainstDeadCollector();
    tracer.startSpan("lost").end();
    await expect.poll(() => errors().length, { timeout: 10_000 }).toBe(1);
    expect(errors()[0]).toMatchObject({ msg: "tracing error", service: "svc" });
    expect((errors()[0]!.err as { message: string }).message).toMatch(/UNAVAILABLE/);
  });

  it("logs the spans it could not export at shutdown, which still resolves", async () => {
    const { tracer, errors } = await startAgainstDeadCollector();
    tracer.startSpan("lost at shutdown").end();
    await tracing!.shutdown();
    expect(errors()).toHaveLength(1);
    expect((errors()[0]!.err as { message: string }).message).toMatch(/UNAVAILABLE/);
  });
});
