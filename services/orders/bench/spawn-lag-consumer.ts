import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LagConsumer } from "./lag-consumer.js";

const entry = fileURLToPath(new URL("./lag-consumer-process.ts", import.meta.url));

/**
 * spawnLagConsumer runs the bench's consumer in a child process
 * (./lag-consumer-process.ts) on JetStream, with its database on
 * `databaseServer` (a fresh one) or PGlite, and returns a handle that asks
 * it over IPC, with the URL of the consumer's database ("" on PGlite).
 */
export async function spawnLagConsumer(options: {
  readonly natsUrl: string;
  readonly durable: string;
  readonly databaseServer: string | undefined;
}): Promise<LagConsumer & { readonly databaseUrl: string }> {
  const child = fork(entry, [], {
    execArgv: ["--import", "tsx"],
    env: {
      ...process.env,
      BENCH_NATS_URL: options.natsUrl,
      BENCH_DURABLE: options.durable,
      BENCH_DATABASE_SERVER: options.databaseServer ?? "",
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const call = createCaller(child);
  const databaseUrl = (await call("ready")) as string;
  return {
    databaseUrl,
    handled: () => call("handled") as Promise<number>,
    lagsBetween: (from, to) => call("lagsBetween", [from, to]) as Promise<number[]>,
    async stop() {
      if (child.connected) await call("stop");
      if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

function createCaller(child: ChildProcess) {
  const waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let next = 1;
  child.on("message", (reply: { id: number; result: unknown }) => {
    waiting.get(reply.id)?.resolve(reply.result);
    waiting.delete(reply.id);
  });
  child.once("exit", (code) => {
    for (const { reject } of waiting.values()) reject(new Error(`consumer exited with ${code}`));
    waiting.clear();
  });
  return (method: string, args: unknown[] = []): Promise<unknown> =>
    new Promise((resolve, reject) => {
      // The child announces itself with id 0 once it is consuming.
      const id = method === "ready" ? 0 : next++;
      waiting.set(id, { resolve, reject });
      if (method !== "ready") child.send({ id, method, args });
    });
}
