import { type Client, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/grpc/health/v1/health_pb.js";
import type { CircuitBreaker } from "../client/index.js";
import { grpcCodeName } from "../rpc/grpc-code-name.js";
import {
  type CheckContext,
  type CheckResult,
  error,
  ok,
  round1,
  type StatusCheck,
  type StatusLevel,
  warn,
  worstLevel,
} from "./status-check.js";

/** StatusUpstream is a transport to another service, with its circuit breaker. */
export interface StatusUpstream extends Transport {
  readonly breaker: Pick<CircuitBreaker, "state">;
}

/** UpstreamsCheck is the `upstreams` subsystem; services add their transports to it. */
export interface UpstreamsCheck extends StatusCheck {
  /** Watches one upstream, e.g. `add("identity", transport)`. */
  add(name: string, transport: StatusUpstream): void;
}

interface Watched {
  readonly name: string;
  readonly transport: StatusUpstream;
  readonly health: Client<typeof Health>;
}

interface Finding {
  readonly level: StatusLevel;
  readonly message: string;
  readonly metrics: Record<string, number | string>;
}

// The health call gets most of the run's budget, so its own deadline (a
// breaker failure, reported per upstream) fires before the monitor's timeout.
const CALL_SHARE = 0.8;

/**
 * createUpstreamsCheck reports each upstream's circuit breaker (open is
 * ERROR `<name> circuit open`, half-open is WARN) after a
 * `grpc.health.v1.Health/Check` through the same transport: one small call
 * on the pooled connection. The call goes through the breaker like any other,
 * so once the upstream is back it is also the probe that closes an open
 * circuit. A failed check with the circuit still closed is WARN: the breaker,
 * which sees all traffic, decides when the upstream counts as down.
 */
export function createUpstreamsCheck(): UpstreamsCheck {
  const watched: Watched[] = [];
  return {
    subsystem: "upstreams",
    add(name, transport) {
      if (!/^[a-z][a-z0-9_]*$/.test(name) || watched.some((w) => w.name === name)) {
        throw new Error(`upstream ${JSON.stringify(name)}: expected a new snake_case name`);
      }
      watched.push({ name, transport, health: createClient(Health, transport) });
    },
    async run(context) {
      const findings = await Promise.all(watched.map((w) => checkUpstream(w, context)));
      return combine(findings);
    },
  };
}

async function checkUpstream(upstream: Watched, context: CheckContext): Promise<Finding> {
  const { name } = upstream;
  const startedAt = performance.now();
  let health: string;
  try {
    const res = await upstream.health.check(
      { service: "" },
      {
        signal: context.signal,
        timeoutMs: Math.max(1, Math.floor(context.timeoutMs * CALL_SHARE)),
      },
    );
    health = ServingStatus[res.status] ?? String(res.status);
  } catch (err) {
    health = grpcCodeName(ConnectError.from(err).code);
  }
  const circuit = upstream.transport.breaker.state();
  const metrics = {
    [`${name}_circuit`]: circuit,
    [`${name}_health`]: health,
    [`${name}_latency_ms`]: round1(performance.now() - startedAt),
  };
  if (circuit === "open") return { ...error(`${name} circuit open`), metrics };
  if (circuit === "half-open") return { ...warn(`${name} circuit half-open`), metrics };
  if (health !== "SERVING") return { ...warn(`${name} health check: ${health}`), metrics };
  return { ...ok(), metrics };
}

function combine(findings: readonly Finding[]): CheckResult {
  const level = worstLevel(findings.map((f) => f.level));
  const message = findings
    .filter((f) => f.level !== "OK")
    .map((f) => f.message)
    .join("; ");
  const metrics = Object.assign({ count: findings.length }, ...findings.map((f) => f.metrics));
  return { level, message, metrics };
}
