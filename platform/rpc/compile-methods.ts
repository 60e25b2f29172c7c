import {
  create,
  type DescMessage,
  type DescMethod,
  isMessage,
  type Message,
} from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/authenticator.js";
import type { RpcMetrics } from "../metrics/rpc-metrics.js";
import { traceServerCall } from "../tracing/trace-server-call.js";
import { tracerFor } from "../tracing/tracer-for.js";
import { assertNoUnknownFields } from "./assert-no-unknown-fields.js";
import { type CallAuthenticator, createCallAuthenticator } from "./authenticate-call.js";
import { type CallRecorder, createCallRecorder } from "./call-recorder.js";
import { isHealthProbe } from "./health-probe.js";
import { peerKey } from "./peer.js";
import type { RequestValidator } from "./request-validator.js";
import { assertCallerAllowed, type RpcPolicy, rpcPolicyOf } from "./rpc-policy.js";
import type { ServiceRegistration } from "./service-registration.js";
import { toConnectError } from "./to-connect-error.js";

// Implementations are checked against the descriptors when registered; here
// they are handled generically.
// biome-ignore lint/suspicious/noExplicitAny: method shapes differ per RPC kind
type AnyImpl = (req: any, ctx: HandlerContext) => unknown;

/** A unary method after the platform chain was applied. */
export type UnaryFn = (req: Message, ctx: HandlerContext) => Promise<Message>;
/** A server-streaming method after the platform chain was applied. */
export type ServerStreamFn = (req: Message, ctx: HandlerContext) => AsyncIterable<Message>;

/**
 * CompiledMethod is one RPC ready to serve: its policy read once from the
 * proto, and its implementation wrapped in the platform chain (server span
 * when tracing, caller policy, validation, error normalization, logging).
 * Both the fast gRPC path and the Connect handlers call this same wrapped
 * function, so every protocol gets identical behaviour.
 */
export interface CompiledMethod {
  readonly method: DescMethod;
  readonly path: string;
  readonly policy: RpcPolicy;
  /** The wrapped implementation, in the shape Connect's router expects. */
  readonly impl: AnyImpl;
  readonly unary?: UnaryFn;
  readonly serverStream?: ServerStreamFn;
}

/** ChainDeps are the process-wide pieces the chain uses, built once. */
export interface ChainDeps {
  readonly validate: RequestValidator;
  /** The service's logger; its `service` binding names the service's server spans. */
  readonly logger: Logger;
  /** RED metrics; calls are counted and timed when given. */
  readonly metrics?: RpcMetrics | undefined;
  /**
   * Verifies end-user credentials. Without one, calls that need or present
   * a credential fail UNAUTHENTICATED.
   */
  readonly authenticator?: Authenticator | undefined;
}

// The chain's per-process pieces, resolved once in compileMethods.
interface Chain extends ChainDeps {
  readonly authenticate: CallAuthenticator;
}

/**
 * compileMethods compiles every method of every registration. Whether to
 * trace is decided here, once: without tracing the chain has no span code
 * at all.
 */
export function compileMethods(
  regs: readonly ServiceRegistration[],
  deps: ChainDeps,
): CompiledMethod[] {
  const tracer = tracerFor(String(deps.logger.bindings()["service"] ?? "rpc"));
  const chain: Chain = { ...deps, authenticate: createCallAuthenticator(deps.authenticator) };
  return regs.flatMap((reg) =>
    reg.service.methods.map((method) => {
      const raw = (reg.impl as Record<string, AnyImpl | undefined>)[method.localName];
      const impl = raw ? raw.bind(reg.impl) : unimplemented(method);
      return compileMethod(method, impl, reg.policy ?? rpcPolicyOf(method), chain, tracer);
    }),
  );
}

function compileMethod(
  method: DescMethod,
  impl: AnyImpl,
  policy: RpcPolicy,
  deps: Chain,
  tracer: Tracer | undefined,
): CompiledMethod {
  const path = `/${method.parent.typeName}/${method.name}`;
  const base = { method, path, policy };
  const traced = <F extends AnyImpl>(fn: F): F =>
    tracer && !isHealthProbe(method) ? traceServerCall(fn, method, tracer) : fn;
  const record = createCallRecorder(method, deps.logger, deps.metrics);
  switch (method.methodKind) {
    case "unary": {
      const unary = traced(wrapUnary(method, policy, impl, deps, record));
      return { ...base, impl: unary, unary };
    }
    case "server_streaming": {
      const serverStream = traced(wrapServerStream(method, policy, impl, deps, record));
      return { ...base, impl: serverStream, serverStream };
    }
    default:
      return { ...base, impl: traced(wrapStreamingInput(method, policy, impl, deps, record)) };
  }
}

function wrapUnary(
  method: DescMethod,
  policy: RpcPolicy,
  impl: AnyImpl,
  deps: Chain,
  record: CallRecorder,
): UnaryFn {
  // Written with then rather than async/await: each await is a promise
  // more per call, and with AsyncLocalStorage on (a traced service) every
  // promise runs its hooks. A call with a known credential makes two: the
  // handler's and this one.
  const fail = (ctx: HandlerContext, started: number, err: unknown): never => {
    throw record(ctx, started, toConnectError(err));
  };
  const handle = (req: Message, ctx: HandlerContext, started: number): Promise<Message> => {
    try {
      checkRequest(method.input, req, deps.validate);
      return Promise.resolve(impl(req, ctx)).then(
        (out: unknown) => {
          try {
            const res = toMessage(method.output, out);
            record(ctx, started, undefined);
            return res;
          } catch (err) {
            return fail(ctx, started, err);
          }
        },
        (err: unknown) => fail(ctx, started, err),
      );
    } catch (err) {
      return Promise.reject(record(ctx, started, toConnectError(err)));
    }
  };
  return (req, ctx) => {
    const started = performance.now();
    try {
      assertCallerAllowed(policy, ctx.values.get(peerKey), method);
      const verifying = deps.authenticate(policy, ctx);
      if (verifying === undefined) return handle(req, ctx, started);
      return verifying.then(
        () => handle(req, ctx, started),
        (err: unknown) => fail(ctx, started, err),
      );
    } catch (err) {
      return Promise.reject(record(ctx, started, toConnectError(err)));
    }
  };
}

function wrapServerStream(
  method: DescMethod,
  policy: RpcPolicy,
  impl: AnyImpl,
  deps: Chain,
  record: CallRecorder,
): ServerStreamFn {
  return (req, ctx) => {
    const started = performance.now();
    return recordStream(ctx, started, record, async function* () {
      assertCallerAllowed(policy, ctx.values.get(peerKey), method);
      const verifying = deps.authenticate(policy, ctx);
      if (verifying) await verifying;
      checkRequest(method.input, req, deps.validate);
      for await (const out of impl(req, ctx) as AsyncIterable<unknown>) {
        yield toMessage(method.output, out);
      }
    });
  };
}

// Client- and bidi-streaming calls check the caller before the handler reads
// anything; each input message is validated as it arrives. Each call is
// recorded (line and metrics) when it ends, as unary calls are.
function wrapStreamingInput(
  method: DescMethod,
  policy: RpcPolicy,
  impl: AnyImpl,
  deps: Chain,
  record: CallRecorder,
): AnyImpl {
  return (requests, ctx) => {
    const started = performance.now();
    const run = () => {
      assertCallerAllowed(policy, ctx.values.get(peerKey), method);
      const verifying = deps.authenticate(policy, ctx);
      const handle = () =>
        impl(validateEach(method.input, requests as AsyncIterable<Message>, deps.validate), ctx);
      return verifying === undefined ? handle() : verifying.then(handle);
    };
    if (method.methodKind === "client_streaming") {
      return Promise.resolve()
        .then(run)
        .then(
          (out: unknown) => {
            record(ctx, started, undefined);
            return out;
          },
          (err: unknown) => {
            throw record(ctx, started, toConnectError(err));
          },
        );
    }
    return recordStream(ctx, started, record, async function* () {
      yield* (await run()) as AsyncIterable<unknown>;
    });
  };
}

// A stream's call is recorded once, however it ends: completed, failed, or
// stopped early by the client (the server stops reading the generator:
// CANCELED), which would otherwise leave no line and no sample.
async function* recordStream<T>(
  ctx: HandlerContext,
  started: number,
  record: CallRecorder,
  stream: () => AsyncIterable<T>,
): AsyncGenerator<T> {
  let recorded = false;
  try {
    yield* stream();
    recorded = true;
    record(ctx, started, undefined);
  } catch (err) {
    recorded = true;
    throw record(ctx, started, toConnectError(err));
  } finally {
    if (!recorded)
      record(ctx, started, new ConnectError("the stream was cancelled", Code.Canceled));
  }
}

async function* validateEach(
  schema: DescMessage,
  input: AsyncIterable<Message>,
  validate: RequestValidator,
) {
  for await (const message of input) {
    checkRequest(schema, message, validate);
    yield message;
  }
}

// Every request, on every protocol: no fields outside the contract, then the
// contract's own rules.
function checkRequest(schema: DescMessage, message: Message, validate: RequestValidator): void {
  assertNoUnknownFields(schema, message);
  validate(schema, message as never);
}

function toMessage(schema: DescMessage, value: unknown): Message {
  return isMessage(value, schema) ? value : create(schema, value as never);
}

function unimplemented(method: DescMethod): AnyImpl {
  return () => {
    throw new ConnectError(
      `${method.parent.typeName}/${method.name} is not implemented`,
      Code.Unimplemented,
    );
  };
}
