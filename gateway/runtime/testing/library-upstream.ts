import { create, type JsonValue, type Message, toJson } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../../gen/google/rpc/error_details_pb.js";
import {
  BookSchema,
  type CancelBookRequest,
  CancelBookResponseSchema,
  type CreateBookRequest,
  CreateBookResponseSchema,
  type GetBookRequest,
  type GetBookResponse,
  GetBookResponseSchema,
  type GetFileRequest,
  GetFileResponseSchema,
  type GetShelfRequest,
  GetShelfResponseSchema,
  HeadBookResponseSchema,
  Kind,
  type LegacyGetBookRequest,
  LegacyGetBookResponseSchema,
  ListBooksResponseSchema,
  type UpdateBookRequest,
  UpdateBookResponseSchema,
} from "../../../gen/gwtest/v1/library_pb.js";
import { platformError } from "../../../platform/rpc/platform-error.js";
import type { GatewayCall, GatewayCallContext } from "../create-gateway-handler.js";

/** RecordedCall is what the fake upstream saw of one RPC. */
export interface RecordedCall {
  readonly rpc: string;
  /** The mapped request as ProtoJSON with proto names (zero values omitted). */
  readonly request: JsonValue;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/**
 * createLibraryUpstream is an in-process gwtest.v1.LibraryService for
 * gateway tests: it records every mapped request and answers from it.
 * GetBook fails on purpose when the book id (last name segment) asks to:
 * `unavailable`, `deadline`, `internal`, `crash` (a non-Connect throw),
 * `invalid` (VALIDATION_FAILED with a field violation), `exists`, or
 * `hang` (waits until the call is aborted).
 */
export function createLibraryUpstream(): { call: GatewayCall; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const call: GatewayCall = async (route, request, context) => {
    calls.push(record(route.method.name, route.method.input, request, context));
    return { message: await answer(route.method.name, request, context.signal) };
  };
  return { call, calls };
}

function record(
  rpc: string,
  input: Parameters<typeof toJson>[0],
  request: Message,
  context: GatewayCallContext,
): RecordedCall {
  return {
    rpc,
    request: toJson(input, request as never, { useProtoFieldName: true }),
    headers: { ...context.headers },
    timeoutMs: context.timeoutMs,
    signal: context.signal,
  };
}

const PUBLISHED = timestampFromDate(new Date("1965-08-01T00:00:00Z"));

async function answer(rpc: string, request: Message, signal: AbortSignal): Promise<Message> {
  switch (rpc) {
    case "GetShelf": {
      const id = (request as GetShelfRequest).shelfId;
      return create(GetShelfResponseSchema, { shelf: { id, name: `shelves/${id}` } });
    }
    case "GetBook":
      return getBook(request as GetBookRequest, signal);
    case "HeadBook":
      return create(HeadBookResponseSchema, { exists: true });
    case "ListBooks":
      return create(ListBooksResponseSchema, {});
    case "CreateBook": {
      const { parent, bookId, book } = request as CreateBookRequest;
      const created = create(BookSchema, book);
      created.name = `${parent}/books/${bookId}`;
      return create(CreateBookResponseSchema, { book: created });
    }
    case "UpdateBook":
      return create(UpdateBookResponseSchema, { book: (request as UpdateBookRequest).book });
    case "CancelBook":
      return create(CancelBookResponseSchema, {
        name: (request as CancelBookRequest).name,
        effectiveTime: PUBLISHED,
      });
    case "GetFile":
      return create(GetFileResponseSchema, { path: (request as GetFileRequest).path, size: 42n });
    case "LegacyGetBook": {
      const { book } = (await getBook(request as LegacyGetBookRequest, signal)) as GetBookResponse;
      return create(LegacyGetBookResponseSchema, { book });
    }
  }
  throw new ConnectError(`${rpc} is not implemented`, Code.Unimplemented);
}

async function getBook(
  request: Pick<GetBookRequest, "name">,
  signal: AbortSignal,
): Promise<Message> {
  const id = request.name.slice(request.name.lastIndexOf("/") + 1);
  switch (id) {
    case "unavailable":
      throw new ConnectError("upstream connection refused", Code.Unavailable);
    case "deadline":
      throw new ConnectError("deadline exceeded after 10s", Code.DeadlineExceeded);
    case "internal":
      throw new ConnectError("pq: password authentication failed at 10.0.0.7", Code.Internal);
    case "crash":
      throw new TypeError("Cannot read properties of undefined (reading 'secret') at /srv/x.ts");
    case "exists":
      throw new ConnectError("book already exists", Code.AlreadyExists);
    case "invalid":
      throw platformError(Code.InvalidArgument, "VALIDATION_FAILED", "invalid request", [
        {
          desc: BadRequestSchema,
          value: { fieldViolations: [{ field: "name", description: "must be a book name" }] },
        },
      ]);
    case "hang":
      return new Promise((_, reject) => {
        signal.addEventListener("abort", () => reject(new ConnectError("gone", Code.Canceled)));
      });
  }
  return create(GetBookResponseSchema, {
    book: {
      name: request.name,
      title: "Dune",
      author: { name: "Frank Herbert" },
      pages: 9007199254740993n,
      tags: ["sf"],
      kind: Kind.FICTION,
      publishTime: PUBLISHED,
      edition: { case: "isbn", value: "978-0441013593" },
    },
  });
}
