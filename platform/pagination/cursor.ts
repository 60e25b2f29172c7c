import { Code, ConnectError } from "@connectrpc/connect";
import { validate as isUuid } from "uuid";

// The cursor is versioned so its format can change later while cursors
// handed out by older releases are still told apart (and rejected cleanly).
const cursorVersion = 1;

/**
 * encodeCursor turns the id of the last row on a page into the opaque
 * `next_cursor` of a List RPC: base64url of `{"v":1,"id":"<uuid>"}`. It marks
 * a position in the keyset (ids are UUIDv7, ordered by creation), not an
 * offset, so rows created while a client pages through never shift the
 * pages (https://google.aip.dev/158). Opaque, so clients do not build or
 * parse it and the format stays ours to change.
 */
export function encodeCursor(lastId: string): string {
  const json = JSON.stringify({ v: cursorVersion, id: lastId });
  return Buffer.from(json, "utf8").toString("base64url");
}

/**
 * decodeCursor reads a cursor made by {@link encodeCursor} back into the
 * id to continue after. Anything else, including a cursor of a
 * future version, is INVALID_ARGUMENT, never a silent first page.
 */
export function decodeCursor(cursor: string): string {
  const id = idOf(parseJson(Buffer.from(cursor, "base64url").toString("utf8")));
  // base64url decoding skips characters it does not know, so a cursor with
  // junk appended could still decode; re-encoding must give it back exactly.
  if (id === undefined || encodeCursor(id) !== cursor) {
    throw new ConnectError(
      "cursor is not valid: pass next_cursor from the previous page unchanged",
      Code.InvalidArgument,
    );
  }
  return id;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function idOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { v, id } = value as { v?: unknown; id?: unknown };
  if (v !== cursorVersion || typeof id !== "string" || !isUuid(id)) return undefined;
  // Postgres prints uuids in lowercase; so must our cursors, for the round trip.
  return id === id.toLowerCase() ? id : undefined;
}
