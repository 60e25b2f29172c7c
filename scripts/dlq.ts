/**
 * dlq: lists, replays and deletes dead letters on the JetStream server at
 * NATS_URL (`npm run dlq -- list`, `npm run dlq -- replay <id>`). Exits 2 on
 * bad usage and 1 when the broker cannot be reached or refuses.
 */
import { ConnectError } from "@connectrpc/connect";
import { defineConfig, env, loadConfigOrExit, text, url } from "../platform/config/index.js";
import { defaultDeadLetters } from "../platform/events/broker.js";
import {
  dlqUsage,
  parseDlqArgs,
  runDlqCommand,
  UsageError,
} from "../platform/events/dlq-command.js";
import { createNatsBroker } from "../platform/events/nats-broker.js";

const config = loadConfigOrExit(
  defineConfig({
    natsUrl: env("NATS_URL", url(["nats", "tls", "ws", "wss"]).optional(), "NATS JetStream", {
      secret: true,
    }),
    dlqStream: env("DLQ_STREAM", text(), "Dead-letter stream", {
      default: defaultDeadLetters.stream,
    }),
  }),
);

function parseOrExit() {
  try {
    return parseDlqArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`dlq: ${err.message}\n\n${dlqUsage}`);
    process.exit(2);
  }
}

const command = parseOrExit();
if (!config.natsUrl) {
  console.error(
    "dlq: NATS_URL is not set. Without it each service runs the embedded broker, which keeps\n" +
      "dead letters in that service's memory: there is nothing here to read. Point NATS_URL at\n" +
      "the JetStream server the services use.",
  );
  process.exit(1);
}

function fail(message: string): never {
  console.error(`dlq: ${message}`);
  process.exit(1);
}

// The URL is not echoed: it may carry credentials.
const broker = await createNatsBroker({
  url: config.natsUrl,
  name: "dlq-cli",
  deadLetters: { ...defaultDeadLetters, stream: config.dlqStream },
}).catch((err: unknown) => fail(`cannot connect to NATS_URL (${messageOf(err)})`));

try {
  await runDlqCommand(command, broker.deadLetters, (line) => console.log(line));
} catch (err) {
  fail(messageOf(err));
} finally {
  await broker.close();
}

// The message alone says enough for an operator; stacks are for bugs.
function messageOf(err: unknown): string {
  if (err instanceof ConnectError) return err.rawMessage;
  return err instanceof Error ? err.message : String(err);
}
