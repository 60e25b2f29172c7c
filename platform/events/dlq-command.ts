import type { DeadLetter, DeadLetterStore } from "./broker.js";

/** DlqCommand is one parsed invocation of `npm run dlq`. */
export type DlqCommand =
  | { readonly kind: "list"; readonly consumer?: string | undefined; readonly limit: number }
  | { readonly kind: "replay"; readonly id: string }
  | { readonly kind: "delete"; readonly id: string };

/** dlqUsage is printed on bad usage. */
export const dlqUsage = `usage: npm run dlq -- <command>

  list [--consumer <name>] [--limit <n>]   dead letters, oldest first (default limit 100)
  replay <id>                              publish one again to the consumer that gave it up
  delete <id>                              drop one for good

Reads the JetStream dead-letter stream at NATS_URL (stream DLQ_STREAM, default "DLQ").`;

/** UsageError is a command line that does not parse; the message says why. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** parseDlqArgs parses the arguments after `npm run dlq --`. */
export function parseDlqArgs(args: readonly string[]): DlqCommand {
  const [kind, ...rest] = args;
  if (kind === "list") return parseList(rest);
  if (kind === "replay" || kind === "delete") {
    const [id, ...extra] = rest;
    if (id === undefined || !/^\d+$/.test(id)) throw new UsageError(`${kind} needs a numeric id`);
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    return { kind, id };
  }
  throw new UsageError(kind === undefined ? "missing command" : `unknown command ${kind}`);
}

function parseList(args: readonly string[]): DlqCommand {
  let consumer: string | undefined;
  let limit = 100;
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === "--consumer") consumer = value;
    else if (flag === "--limit" && /^[1-9]\d{0,5}$/.test(value)) limit = Number(value);
    else if (flag === "--limit") throw new UsageError("--limit needs a positive integer");
    else throw new UsageError(`unknown option ${flag}`);
  }
  return { kind: "list", consumer, limit };
}

/**
 * runDlqCommand carries out a parsed command against a dead-letter store and
 * writes what happened to `out`, one line per call.
 */
export async function runDlqCommand(
  command: DlqCommand,
  store: DeadLetterStore,
  out: (line: string) => void,
): Promise<void> {
  if (command.kind === "list") {
    const letters = await store.list({ consumer: command.consumer, limit: command.limit });
    out(letters.length === 0 ? "no dead letters" : formatDeadLetters(letters));
  } else if (command.kind === "replay") {
    await store.replay(command.id);
    out(`replayed dead letter ${command.id}`);
  } else {
    const deleted = await store.delete(command.id);
    out(deleted ? `deleted dead letter ${command.id}` : `no dead letter ${command.id}`);
  }
}

const columns = ["ID", "TIME", "CONSUMER", "SUBJECT", "DELIVERIES", "REASON"] as const;

/** formatDeadLetters renders dead letters as an aligned text table, reason last. */
export function formatDeadLetters(letters: readonly DeadLetter[]): string {
  const rows = letters.map((letter) => [
    letter.id,
    letter.time.toISOString(),
    letter.consumer,
    letter.subject,
    String(letter.deliveryCount),
    letter.reason,
  ]);
  const widths = columns.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  return [line(columns), ...rows.map(line)].join("\n");
}
