import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import type { Socket } from "node:net";

/** LoadRequest is one request of the cycle every connection repeats. */
export interface LoadRequest {
  readonly method: "GET" | "POST";
  readonly path: string;
  /** Builds the JSON body of each request anew (e.g. a unique email each time). */
  readonly body?: () => string;
  /** Sent with every such request, e.g. its Authorization. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** LoadOptions configure {@link startHttpLoad}. */
export interface LoadOptions {
  readonly port: number;
  readonly connections: number;
  /** Upper bound; call `stop()` to end earlier. */
  readonly durationS: number;
  readonly requests: readonly LoadRequest[];
}

/** Timed is an event and when it happened (Date.now()). */
export interface Timed {
  readonly at: number;
}

/**
 * LoadReport accounts for every request autocannon sent. Each sent request
 * either got a response or ended, unanswered, in exactly one of `refused`,
 * `afterClose` or `lost` (requests still outstanding when the run was
 * stopped are in none).
 */
export interface LoadReport {
  readonly sent: number;
  /** Every response, by HTTP status. */
  readonly statuses: Readonly<Record<number, number>>;
  /** When each 2xx arrived. */
  readonly ok: readonly number[];
  /** Every response that was not 2xx, with its body. */
  readonly failed: readonly (Timed & { status: number; body: string })[];
  /** Socket errors and timeouts, as autocannon reports them. */
  readonly errors: readonly (Timed & { code: string })[];
  /** Sent on a connection that never connected (e.g. ECONNREFUSED): the server never saw them. */
  readonly refused: readonly Timed[];
  /**
   * Sent on a connection after the server's previous response on it said
   * `Connection: close`. autocannon ignores that header (a conforming
   * client would not send there, RFC 9112 section 9.6), so these are the
   * load generator's, not the server's.
   */
  readonly afterClose: readonly Timed[];
  /**
   * Sent on an open connection the server had not announced closing, and
   * closed without a response: a request in flight that was cut, one that
   * met a kept-alive connection the server closed as idle, one on a
   * connection still in the kernel's accept queue when the listener
   * closed, or one that timed out (5 s). Its x-request-id tells, from the
   * server's logs, whether the server ever read it.
   */
  readonly lost: readonly (Timed & {
    sentAt: number;
    /** The socket error that ended the connection (ECONNRESET), if any. */
    code: string | undefined;
    requestId: string;
  })[];
}

/** HttpLoad is a running load; `done` settles when it stops. */
export interface HttpLoad {
  readonly done: Promise<LoadReport>;
  /** 2xx responses so far. */
  okCount(): number;
  stop(): void;
}

interface AutocannonClient extends EventEmitter {
  conn: Socket;
  getRequestBuffer(): Buffer;
}
interface AutocannonInstance extends EventEmitter {
  stop(): void;
}
type Autocannon = (
  opts: Record<string, unknown>,
  cb: (err: Error | null) => void,
) => AutocannonInstance;

// autocannon is CommonJS and ships no types; this is the part used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

interface Outstanding {
  readonly sentAt: number;
  readonly afterClose: boolean;
  readonly requestId: string;
}
interface ConnState {
  connected: boolean;
  closeAnnounced: boolean;
  /** autocannon closed it because the run ended: what is outstanding was never given a chance. */
  abandoned: boolean;
  readonly outstanding: Outstanding[];
}

/**
 * startHttpLoad runs autocannon (keep-alive HTTP/1.1, one request at a
 * time per connection) against 127.0.0.1:`port` and follows every
 * connection it opens, so each unanswered request can be told apart: never
 * connected, sent after the server said `Connection: close`, or lost. Each
 * request carries a unique `x-request-id` (`load-<n>`), which the platform
 * logs with the RPC it makes, so a lost request can be looked up
 * server-side.
 */
export function startHttpLoad(opts: LoadOptions): HttpLoad {
  const report = {
    sent: 0,
    statuses: {} as Record<number, number>,
    ok: [] as number[],
    failed: [] as LoadReport["failed"][number][],
    errors: [] as LoadReport["errors"][number][],
    refused: [] as Timed[],
    afterClose: [] as Timed[],
    lost: [] as LoadReport["lost"][number][],
  };
  const states = new WeakMap<Socket, ConnState>();
  const stateOf = (conn: Socket): ConnState => {
    let state = states.get(conn);
    if (state === undefined) {
      state = { connected: false, closeAnnounced: false, abandoned: false, outstanding: [] };
      states.set(conn, state);
      followConnection(conn, state, report);
    }
    return state;
  };
  const setupClient = (client: AutocannonClient) => {
    // autocannon builds a request just before writing it, after its
    // "request" event; its bytes are the only place to read the id from.
    const requestBuffer = client.getRequestBuffer.bind(client);
    client.getRequestBuffer = () => {
      const bytes = requestBuffer();
      const state = stateOf(client.conn);
      state.outstanding.push({
        sentAt: Date.now(),
        afterClose: state.closeAnnounced,
        requestId: requestIdOf(bytes),
      });
      report.sent++;
      return bytes;
    };
    client.on("headers", ({ headers }: { headers: string[] }) => {
      if (announcesClose(headers)) stateOf(client.conn).closeAnnounced = true;
    });
    client.on("done", () => {
      stateOf(client.conn).abandoned = true;
    });
    client.on("response", (status: number) => {
      stateOf(client.conn).outstanding.shift();
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) report.ok.push(Date.now());
    });
  };
  const onResponse = (status: number, body: string) => {
    if (status < 200 || status >= 300) report.failed.push({ at: Date.now(), status, body });
  };
  let instance: AutocannonInstance | undefined;
  const done = new Promise<LoadReport>((resolve, reject) => {
    instance = autocannon(
      {
        url: `http://127.0.0.1:${opts.port}`,
        connections: opts.connections,
        pipelining: 1,
        duration: opts.durationS,
        timeout: 5,
        setupClient,
        requests: opts.requests.map((r) => ({
          method: r.method,
          path: r.path,
          setupRequest: buildRequest(r),
          onResponse,
        })),
      },
      (err) => (err ? reject(err) : resolve(report)),
    );
    instance.on("reqError", (err: Error & { code?: string }) => {
      report.errors.push({ at: Date.now(), code: err.code ?? err.message });
    });
  });
  return { done, okCount: () => report.ok.length, stop: () => instance?.stop() };
}

function followConnection(
  conn: Socket,
  state: ConnState,
  report: { refused: Timed[]; afterClose: Timed[]; lost: LoadReport["lost"][number][] },
): void {
  let code: string | undefined;
  conn.once("connect", () => {
    state.connected = true;
  });
  conn.on("error", (err: Error & { code?: string }) => {
    code ??= err.code;
  });
  conn.once("close", () => {
    const at = Date.now();
    if (state.abandoned) return;
    for (const { sentAt, afterClose, requestId } of state.outstanding.splice(0)) {
      if (!state.connected) report.refused.push({ at });
      else if (afterClose) report.afterClose.push({ at });
      else report.lost.push({ at, sentAt, code, requestId });
    }
  });
}

let requestCount = 0;

// autocannon computes Content-Length after setupRequest, so each body is exact.
function buildRequest(request: LoadRequest) {
  return (req: { headers?: Record<string, string> }) => ({
    ...req,
    headers: {
      ...req.headers,
      accept: "application/json",
      "x-request-id": `load-${++requestCount}`,
      ...(request.body ? { "content-type": "application/json" } : {}),
      ...request.headers,
    },
    ...(request.body ? { body: request.body() } : {}),
  });
}

function requestIdOf(bytes: Buffer): string {
  return /\r\nx-request-id: ([^\r]+)/.exec(bytes.toString("latin1"))?.[1] ?? "";
}

// autocannon hands raw headers: [name, value, name, value, ...].
function announcesClose(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === "connection" && /\bclose\b/i.test(raw[i + 1] ?? "")) return true;
  }
  return false;
}
