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
    tracer ? traceServerCall(fn, method, tracer) : fn;
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
      return { ...base, impl: traced(wrapStreamingInput(method, policy, impl, deps)) };
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
  return async function* (req, ctx) {
    const started = performance.now();
    try {
      assertCallerAllowed(policy, ctx.values.get(peerKey), method);
      const verifying = deps.authenticate(policy, ctx);
      if (verifying) await verifying;
      checkRequest(method.input, req, deps.validate);
      for await (const out of impl(req, ctx) as AsyncIterable<unknown>) {
        yield toMessage(method.output, out);
      }
      record(ctx, started, undefined);
    } catch (err) {
      throw record(ctx, started, toConnectError(err));
    }
  };
}

// Client- and bidi-streaming calls check the caller before the handler reads
// anything; each input message is validated as it arrives.
function wrapStreamingInput(
  method: DescMethod,
  policy: RpcPolicy,
  impl: AnyImpl,
  deps: Chain,
): AnyImpl {
  return (requests, ctx) => {
    assertCallerAllowed(policy, ctx.values.get(peerKey), method);
    const verifying = deps.authenticate(policy, ctx);
    const run = () =>
      impl(validateEach(method.input, requests as AsyncIterable<Message>, deps.validate), ctx);
    if (verifying === undefined) return run();
    if (method.methodKind === "client_streaming") return verifying.then(run);
    return (async function* () {
      await verifying;
      yield* run() as AsyncIterable<unknown>;
    })();
  };
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
