/**
 * outbox.bench: what the transactional outbox costs CreateOrder, measured
 * side by side in one run (`npm run bench:orders`):
 *
 * - `outbox`: orders as deployed; every CreateOrder writes its OrderCreated
 *   row in the same transaction, the relay publishes it (NATS JetStream when
 *   NATS_URL is set, else the in-process broker), and a subscribed consumer
 *   handles it;
 * - `no events`: the same service and RPC with the event write removed
 *   (./orders-without-events.ts) and no relay.
 *
 * Both run in this process on fresh databases of their own: Postgres when
 * DATABASE_URL or TEST_DATABASE_URL is set (new databases on that server,
 * dropped afterwards), else PGlite. identity, which every CreateOrder asks,
 * runs in a child process, and so does the consumer on NATS (the embedded
 * broker only delivers within its process, so there it shares this one).
 * Everything shares the machine's cores: the ratio is the whole system's
 * cost per order, relay, broker and consumer included.
 *
 * A closed loop of BENCH_CONCURRENCY calls (32) drives each for
 * BENCH_SECONDS (5) after a warm-up, BENCH_ROUNDS (2) times, alternating
 * which goes first. It prints calls/s for both, their ratio (target >= 0.7),
 * and the lag from each event's `occur_time` to a subscribed consumer's
 * handler (and, on Postgres, the relay's share of it): at full load, and at
 * half the outbox variant's rate, where nothing should fall behind.
 *
 * Calls/s only count what happens during a run: work left behind (a relay
 * or consumer backlog) is done after it, while each outbox run waits for
 * the consumer to catch up. So it also prints the CPU time per order of
 * every process taking part (this one, identity, the consumer, and on
 * Postgres the server processes of each database), over the runs and their
 * catch-up (./cpu-meter.ts, Linux): the cost of the outbox wherever it is
 * paid and whenever, which other work on a shared machine hardly disturbs.
 * The NATS server is not counted (it may serve others).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { and, gte, isNotNull, lt, sql } from "drizzle-orm";
import { connect, DeliverPolicy } from "nats";
import { UserService } from "../../../gen/identity/v1/user_service_pb.js";
import { OrderService } from "../../../gen/orders/v1/order_service_pb.js";
import { createFastGrpcTransport, type FastGrpcTransport } from "../../../platform/client/index.js";
import { createTestDatabase, type TestDatabase } from "../../../platform/db/test-database.js";
import type { EventBroker } from "../../../platform/events/broker.js";
import { createMemoryBroker } from "../../../platform/events/memory-broker.js";
import { consumerConfig } from "../../../platform/events/nats-topology.js";
import { ensureServiceCert } from "../../../platform/pki/index.js";
import { type RunningService, startService } from "../../../platform/service/index.js";
import { createUserAsAdmin } from "../../../test/support/test-users.js";
import * as ordersSchema from "../db/schema.js";
import { ordersService } from "../orders-service.js";
import { type CpuMeter, cpuUsed, createCpuMeter } from "./cpu-meter.js";
import { driveLoad, drivePaced, type LoadResult, percentile } from "./drive-load.js";
import { waitForIdleCpu } from "./idle-cpu.js";
import { benchConsumer, type LagConsumer, startLagConsumer } from "./lag-consumer.js";
import { ordersWithoutEvents } from "./orders-without-events.js";
import { type SpawnedIdentity, spawnIdentity } from "./spawn-identity.js";
import { spawnLagConsumer } from "./spawn-lag-consumer.js";

const settings = {
  seconds: positive("BENCH_SECONDS", 5),
  warmupSeconds: positive("BENCH_WARMUP_SECONDS", 2),
  rounds: positive("BENCH_ROUNDS", 2),
  concurrency: positive("BENCH_CONCURRENCY", 32),
};
const serverUrl = process.env["DATABASE_URL"] || process.env["TEST_DATABASE_URL"] || undefined;
const natsUrl = process.env["NATS_URL"] || undefined;
const streamName = "EVENTS_ORDERS";
const items = [
  { sku: "bench-book", quantity: 2, unitPriceCents: 1999n },
  { sku: "bench-pen", quantity: 1, unitPriceCents: 250n },
];
// The bench's own durable consumer, removed afterwards on a shared NATS.
const durable = `bench_outbox_${randomBytes(4).toString("hex")}`;

type Variant = "no events" | "outbox";
type OrdersDatabase = TestDatabase<typeof ordersSchema>;

/** Window is a span of wall-clock time (Date.now()), to pick the events that occurred in it. */
interface Window {
  readonly from: number;
  readonly to: number;
}

/** Bench is the running setup: a caller per variant and the consumer timing events. */
interface Bench {
  readonly call: Record<Variant, () => Promise<unknown>>;
  readonly consumer: LagConsumer;
  /** Orders placed on the outbox variant so far: the events the consumer must see. */
  created(): number;
  /** The outbox variant's database, when on Postgres. */
  readonly outboxDb: OrdersDatabase | undefined;
  /** CPU time of every process taking part, by role. */
  readonly cpu: CpuMeter;
}

// Everything started, so that `finally` stops exactly what did start.
const started = {
  scratch: "",
  databases: [] as OrdersDatabase[],
  identity: undefined as SpawnedIdentity | undefined,
  broker: undefined as EventBroker | undefined,
  services: [] as RunningService[],
  transports: [] as FastGrpcTransport[],
  consumer: undefined as LagConsumer | undefined,
  cpu: undefined as CpuMeter | undefined,
  natsCleanup: undefined as (() => Promise<void>) | undefined,
};

try {
  printSetup();
  const bench = await setUp();
  const busy = await waitForIdleCpu();
  console.log(
    `machine:  ${cpus().length} cores, ${busy.toFixed(0)}% busy before the run` +
      (busy >= 15 ? " (other processes are running: expect noise)" : ""),
  );
  console.log(`warm-up:  ${settings.warmupSeconds} s each`);
  for (const variant of ["no events", "outbox"] as const) {
    await driveLoad(bench.call[variant], load(settings.warmupSeconds));
  }
  await drain(bench);
  const { results, windows, cpu } = await measureRounds(bench);
  const outboxRate = rate(results.outbox);
  const halfRate = Math.max(1, Math.round(outboxRate / 2));
  const paced = await measurePaced(bench, halfRate);
  console.log("");
  printThroughput(rate(results["no events"]), outboxRate);
  printCpu(cpu);
  console.log("event lag, occur_time -> subscribed consumer's handler:");
  printLag(`full load (${outboxRate.toFixed(0)} calls/s)`, await lagsIn(bench.consumer, windows));
  printLag(`half load (${halfRate} calls/s)`, await lagsIn(bench.consumer, [paced]));
  if (bench.outboxDb) {
    console.log("outbox lag, created_at -> published_at (the relay alone):");
    printLag("full load", await relayLags(bench.outboxDb, windows));
    printLag("half load", await relayLags(bench.outboxDb, [paced]));
  }
} catch (err) {
  console.error(`bench:orders failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

async function setUp(): Promise<Bench> {
  started.scratch = mkdtempSync(join(tmpdir(), "pp-bench-orders-"));
  const certsDir = join(started.scratch, "certs");
  const fresh = async () => {
    const database = await createTestDatabase(ordersSchema, serverUrl);
    started.databases.push(database);
    return database;
  };
  const [identityDb, outboxDb, plainDb] = await Promise.all(
    serverUrl ? [fresh(), fresh(), fresh()] : [undefined, undefined, undefined],
  );
  const env = (name: string, database: OrdersDatabase | undefined): Record<string, string> => ({
    RPC_PORT: "0",
    ADMIN_PORT: "0",
    CERTS_DIR: certsDir,
    DATA_DIR: join(started.scratch, name),
    LOG_LEVEL: "silent",
    ...(database?.url ? { DATABASE_URL: database.url } : {}),
  });

  started.identity = await spawnIdentity(env("identity", identityDb));
  const upstreams = { UPSTREAMS: `identity=https://127.0.0.1:${started.identity.rpcPort}` };
  if (natsUrl) {
    const existed = await hasStream(natsUrl);
    started.natsCleanup = () => cleanUpNats(natsUrl, durable, existed);
  }
  // On NATS, orders opens its own connection, as deployed; the embedded
  // broker only reaches consumers in its own process, so it is shared.
  if (!natsUrl) started.broker = createMemoryBroker();
  const outboxOrders = await startService(
    ordersService,
    { ...env("orders-outbox", outboxDb), ...upstreams, ...(natsUrl ? { NATS_URL: natsUrl } : {}) },
    started.broker ? { broker: started.broker } : {},
  );
  started.services.push(outboxOrders);
  const plainOrders = await startService(ordersWithoutEvents, {
    ...env("orders-plain", plainDb),
    ...upstreams,
  });
  started.services.push(plainOrders);
  const consumer = await startConsumer(fresh);
  started.consumer = consumer.handle;
  started.cpu = createCpuMeter({
    roleOf: (commandLine) =>
      commandLine.includes("identity/main.ts")
        ? "identity"
        : commandLine.includes("lag-consumer-process")
          ? "consumer"
          : undefined,
    databases: new Map([
      [databaseName(identityDb), "postgres: identity"],
      [databaseName(outboxDb), "postgres: orders"],
      [databaseName(plainDb), "postgres: orders"],
      [databaseName(consumer.database), "postgres: consumer"],
    ]),
    serverUrl,
  });

  const tls = await ensureServiceCert(certsDir, { service: "gateway" });
  const transport = (port: number) => {
    const t = createFastGrpcTransport({ baseUrl: `https://127.0.0.1:${port}`, tls });
    started.transports.push(t);
    return t;
  };
  const users = createClient(UserService, transport(started.identity.rpcPort));
  // An admin creates the user; its token, minted once, goes with every order.
  const user = await createUserAsAdmin(users, certsDir, {
    email: "bench@example.com",
    displayName: "Bench",
  });
  const placeOutbox = caller(createClient(OrderService, transport(outboxOrders.rpcPort)));
  let created = 0;
  return {
    call: {
      "no events": caller(createClient(OrderService, transport(plainOrders.rpcPort))),
      outbox: async () => {
        await placeOutbox();
        created++;
      },
    },
    consumer: consumer.handle,
    created: () => created,
    outboxDb,
    cpu: started.cpu,
  };

  function caller(client: Client<typeof OrderService>) {
    // Each call is a new order with its own request_id, as a careful client sends.
    const { userId, headers } = user;
    return () =>
      client.createOrder({ userId, items, currency: "EUR", requestId: randomUUID() }, { headers });
  }
}

// A consuming service on its own database: in its own process on NATS (as
// deployed), in this one with the embedded broker (which only delivers here).
// It is returned with its database's URL, so that its server process's CPU is counted.
async function startConsumer(fresh: () => Promise<OrdersDatabase>) {
  if (natsUrl) {
    await addConsumerFromNow(natsUrl, durable);
    const handle = await spawnLagConsumer({ natsUrl, durable, databaseServer: serverUrl });
    return { handle, database: handle.databaseUrl };
  }
  const database = await fresh();
  const handle = await startLagConsumer(started.broker!, database, benchConsumer(durable));
  return { handle, database: database.url };
}

function databaseName(database: OrdersDatabase | string | undefined): string {
  const url = typeof database === "string" ? database : database?.url;
  return url ? decodeURIComponent(new URL(url).pathname.slice(1)) : "";
}

async function measureRounds(bench: Bench) {
  const results: Record<Variant, LoadResult[]> = { "no events": [], outbox: [] };
  const cpu: Record<Variant, CpuPerRun[]> = { "no events": [], outbox: [] };
  const windows: Window[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const order: Variant[] = round % 2 === 1 ? ["no events", "outbox"] : ["outbox", "no events"];
    for (const variant of order) {
      const before = await bench.cpu.sample();
      const from = Date.now();
      const result = await driveLoad(bench.call[variant], load(settings.seconds));
      results[variant].push(result);
      const caughtUp = variant === "outbox" ? await catchUp(bench, { from, to: Date.now() }) : "";
      printRound(round, variant, result, caughtUp);
      if (variant === "outbox") windows.push({ from, to: from + result.elapsedMs });
      cpu[variant].push({ calls: result.calls, ms: cpuUsed(before, await bench.cpu.sample()) });
    }
  }
  return { results, windows, cpu };
}

/** CpuPerRun is the CPU time each role used for one run's calls, catch-up included. */
interface CpuPerRun {
  readonly calls: number;
  readonly ms: ReadonlyMap<string, number>;
}

// The next run starts with the consumer caught up, so no backlog spills into
// another measurement; the lag is counted up to the last event. Says how long
// that took after the load stopped.
async function catchUp(bench: Bench, run: Window): Promise<string> {
  await drain(bench);
  return `  caught up ${(Date.now() - run.to).toFixed(0)} ms after`;
}

// Open loop at a fixed rate: what the lag is when the system is not saturated.
async function measurePaced(bench: Bench, ratePerSecond: number): Promise<Window> {
  const from = Date.now();
  const { errors } = await drivePaced(bench.call.outbox, {
    ratePerSecond,
    durationMs: settings.seconds * 1000,
  });
  const window = { from, to: Date.now() };
  if (errors > 0) console.log(`paced run: ${errors} calls failed`);
  await drain(bench);
  return window;
}

async function drain(bench: Bench): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const handled = await bench.consumer.handled();
    if (handled >= bench.created()) return;
    if (Date.now() > deadline) {
      throw new Error(`consumer stuck at ${handled} of ${bench.created()} events`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function lagsIn(consumer: LagConsumer, windows: readonly Window[]): Promise<number[]> {
  const lags = await Promise.all(windows.map((w) => consumer.lagsBetween(w.from, w.to)));
  return lags.flat().sort((a, b) => a - b);
}

async function relayLags(db: OrdersDatabase, windows: readonly Window[]): Promise<number[]> {
  const { outbox } = ordersSchema;
  const lags: number[] = [];
  for (const w of windows) {
    const rows = await db.db
      .select({
        ms: sql<string>`extract(epoch from ${outbox.publishedAt} - ${outbox.createdAt}) * 1000`,
      })
      .from(outbox)
      .where(
        and(
          isNotNull(outbox.publishedAt),
          gte(outbox.createdAt, new Date(w.from)),
          lt(outbox.createdAt, new Date(w.to)),
        ),
      );
    lags.push(...rows.map((row) => Number(row.ms)));
  }
  return lags.sort((a, b) => a - b);
}

function load(seconds: number) {
  return { concurrency: settings.concurrency, durationMs: seconds * 1000 };
}

function rate(runs: readonly LoadResult[]): number {
  const calls = runs.reduce((sum, r) => sum + r.calls, 0);
  return (calls * 1000) / runs.reduce((sum, r) => sum + r.elapsedMs, 0);
}

function printSetup(): void {
  const host = (url: string) => new URL(url).host;
  console.log("bench:orders: CreateOrder with the transactional outbox vs without events");
  console.log(
    serverUrl
      ? `database: Postgres at ${host(serverUrl)} (a fresh database per service, dropped afterwards)`
      : "database: PGlite, embedded (set DATABASE_URL or TEST_DATABASE_URL for Postgres)",
  );
  console.log(
    natsUrl
      ? `broker:   NATS JetStream at ${host(natsUrl)}; the consumer runs in its own process`
      : "broker:   in-process, embedded (set NATS_URL for NATS JetStream); the consumer shares this process",
  );
  console.log(
    `load:     ${settings.concurrency} calls in flight, ${settings.seconds} s per run, ` +
      `${settings.rounds} rounds; node ${process.version}`,
  );
}

function printRound(round: number, variant: Variant, r: LoadResult, caughtUp: string): void {
  const errors = r.errors > 0 ? `  errors ${r.errors} (${r.firstError})` : "";
  console.log(
    `round ${round}  ${variant.padEnd(9)}  ${r.callsPerSecond.toFixed(0).padStart(6)} calls/s` +
      `  latency p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms${caughtUp}${errors}`,
  );
}

// CPU time per order, by process, over the runs and the consumer's catch-up
// after each: what the outbox costs the whole system, whatever else the
// machine was doing meanwhile.
function printCpu(cpu: Record<Variant, CpuPerRun[]>): void {
  const perOrder = (runs: readonly CpuPerRun[]) => {
    const calls = runs.reduce((sum, run) => sum + run.calls, 0);
    const total = new Map<string, number>();
    for (const run of runs) {
      for (const [role, ms] of run.ms) total.set(role, (total.get(role) ?? 0) + ms);
    }
    return new Map([...total].map(([role, ms]) => [role, (1000 * ms) / calls]));
  };
  const plain = perOrder(cpu["no events"]);
  const outbox = perOrder(cpu.outbox);
  const roles = [...new Set([...plain.keys(), ...outbox.keys()])].sort();
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const us = (n: number | undefined) => `${(n ?? 0).toFixed(0)} us`.padStart(9);
  console.log("CPU per order, runs and catch-up:   no events     outbox");
  for (const role of roles) {
    console.log(`  ${role.padEnd(32)}${us(plain.get(role))}  ${us(outbox.get(role))}`);
  }
  console.log(`  ${"total".padEnd(32)}${us(sum(plain))}  ${us(sum(outbox))}`);
}

function printThroughput(plain: number, outbox: number): void {
  const ratio = outbox / plain;
  console.log(`no events  ${plain.toFixed(0).padStart(6)} calls/s`);
  console.log(`outbox     ${outbox.toFixed(0).padStart(6)} calls/s`);
  console.log(
    `ratio      ${ratio.toFixed(2)}  outbox / no events (target >= 0.70: ${ratio >= 0.7 ? "met" : "NOT met"})`,
  );
}

function printLag(label: string, sorted: readonly number[]): void {
  const ms = (p: number) => `${percentile(sorted, p).toFixed(0)} ms`.padStart(8);
  console.log(
    `  ${label.padEnd(26)} p50 ${ms(50)}  p99 ${ms(99)}  max ${ms(100)}  (${sorted.length} events)`,
  );
}

// On a shared server the stream may hold thousands of older events, which a
// new durable consumer would otherwise deliver first (DeliverPolicy.All, the
// platform's policy): they would load the consumer during the runs and count
// as caught up. Created here first from the same declaration, it starts at
// the stream's end; the consumer process's ensureTopology then finds it and
// leaves its deliver policy alone (policies cannot change after creation).
async function addConsumerFromNow(url: string, name: string): Promise<void> {
  const nc = await connect({ servers: url, name: "bench-orders-setup" });
  try {
    const jsm = await nc.jetstreamManager();
    const config = { ...consumerConfig(benchConsumer(name)), deliver_policy: DeliverPolicy.New };
    await jsm.consumers.add(streamName, config);
  } finally {
    await nc.close();
  }
}

async function hasStream(url: string): Promise<boolean> {
  const nc = await connect({ servers: url, name: "bench-orders-setup" });
  try {
    const jsm = await nc.jetstreamManager();
    return await jsm.streams.info(streamName).then(
      () => true,
      () => false,
    );
  } finally {
    await nc.close();
  }
}

// The bench's consumer always goes; the stream only if the bench created it,
// since on a shared server it holds other processes' events too.
async function cleanUpNats(url: string, name: string, streamExisted: boolean): Promise<void> {
  const nc = await connect({ servers: url, name: "bench-orders-cleanup" });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.delete(streamName, name).catch(() => false);
    if (!streamExisted) await jsm.streams.delete(streamName).catch(() => false);
  } finally {
    await nc.close();
  }
}

async function cleanUp(): Promise<void> {
  const quietly = (p: Promise<unknown> | undefined) => p?.catch(() => {});
  await quietly(started.consumer?.stop());
  await quietly(started.cpu?.close());
  await Promise.all(started.transports.map((t) => quietly(t.close())));
  for (const service of started.services) await quietly(service.stop());
  await quietly(started.broker?.close());
  await quietly(started.natsCleanup?.());
  await quietly(started.identity?.stop());
  await Promise.all(started.databases.map((d) => quietly(d.drop())));
  if (started.scratch) rmSync(started.scratch, { recursive: true, force: true });
}

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}
