/**
 * The bench's consumer as its own process, as a consuming service runs on
 * JetStream: its work stays off the event loop that serves orders and drives
 * the load. The parent (./spawn-lag-consumer.ts) asks it over IPC.
 */
import { createTestDatabase } from "../../../platform/db/test-database.js";
import { createNatsBroker } from "../../../platform/events/nats-broker.js";
import { benchConsumer, startLagConsumer } from "./lag-consumer.js";

const natsUrl = process.env["BENCH_NATS_URL"]!;
const durable = process.env["BENCH_DURABLE"]!;
// A fresh database on that server, or PGlite in memory.
const database = await createTestDatabase({}, process.env["BENCH_DATABASE_SERVER"] || undefined);
const broker = await createNatsBroker({ url: natsUrl, name: "bench-orders-consumer" });
const consumer = await startLagConsumer(broker, database, benchConsumer(durable));

interface Request {
  readonly id: number;
  readonly method: "handled" | "lagsBetween" | "stop";
  readonly args: [number, number] | [];
}

process.on("message", async (request: Request) => {
  let result: unknown;
  if (request.method === "handled") result = await consumer.handled();
  else if (request.method === "lagsBetween") {
    const [from, to] = request.args as [number, number];
    result = await consumer.lagsBetween(from, to);
  } else {
    await consumer.stop();
    await broker.close();
    await database.drop();
  }
  process.send!({ id: request.id, result });
  if (request.method === "stop") process.disconnect();
});
// "Ready" carries the database's URL, so the parent can count its server process's CPU.
process.send!({ id: 0, result: database.url ?? "" });
