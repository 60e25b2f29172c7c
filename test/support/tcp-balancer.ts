import { type AddressInfo, createServer, connect as netConnect, type Socket } from "node:net";

/** BackendProbe says where a backend answers its readiness probe. */
export interface BackendProbe {
  /** The backend's plain-HTTP admin port, serving `/health/ready`. */
  readonly adminPort: number;
}

/** BalancerEvent is one change of a backend's routability, timed with Date.now(). */
export interface BalancerEvent {
  readonly port: number;
  readonly routable: boolean;
  readonly at: number;
}

/**
 * TcpBalancer stands in for a Kubernetes Service in front of a Deployment:
 * a TCP listener on 127.0.0.1 that hands each new connection to one
 * routable backend, round robin. Like kube-proxy, it balances connections,
 * not requests: a long-lived HTTP/2 connection stays on its backend until
 * one side closes it.
 */
export interface TcpBalancer {
  readonly port: number;
  /**
   * add registers a backend on 127.0.0.1. Without a probe it is routable at
   * once; with one it becomes routable only once `/health/ready` answers
   * 200, as a pod joins a Service's endpoints only when ready.
   */
  add(port: number, probe?: BackendProbe): void;
  /** remove stops new connections to the backend; open ones are left alone. */
  remove(port: number): void;
  /** The backends new connections may go to now. */
  routable(): number[];
  /** Every change of routability so far, oldest first. */
  readonly events: readonly BalancerEvent[];
  /** Resolves once `port` is routable (or rejects after `timeoutMs`). */
  waitUntilRoutable(port: number, timeoutMs?: number): Promise<void>;
  /** close stops listening and probing and cuts every forwarded connection. */
  close(): Promise<void>;
}

// How often each probed backend's readiness is asked, and how long one
// probe may take: kubelet's periodSeconds/timeoutSeconds, scaled down.
const PROBE_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 500;

interface Backend {
  readonly port: number;
  readonly probe: BackendProbe | undefined;
  routable: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * startTcpBalancer listens on 127.0.0.1:0. Readiness is polled every
 * 100 ms per probed backend; a backend whose probe fails (503, refused,
 * timeout) stops getting new connections until it passes again, which is
 * what the endpoints controller and kube-proxy do together. A connection
 * arriving while no backend is routable is reset, as kube-proxy rejects
 * traffic to a Service without endpoints.
 */
export async function startTcpBalancer(): Promise<TcpBalancer> {
  const backends = new Map<number, Backend>();
  const sockets = new Set<Socket>();
  const events: BalancerEvent[] = [];
  let next = 0;
  let closed = false;

  const setRoutable = (backend: Backend, routable: boolean) => {
    if (backend.routable === routable) return;
    backend.routable = routable;
    events.push({ port: backend.port, routable, at: Date.now() });
  };
  const routable = () => [...backends.values()].filter((b) => b.routable).map((b) => b.port);

  const server = createServer((client) => {
    const ports = routable();
    if (ports.length === 0) return client.resetAndDestroy();
    forward(client, ports[next++ % ports.length]!, sockets);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const schedule = (backend: Backend) => {
    backend.timer = setTimeout(async () => {
      const ready = await probeReady(backend.probe!.adminPort);
      if (closed || backends.get(backend.port) !== backend) return;
      setRoutable(backend, ready);
      schedule(backend);
    }, PROBE_INTERVAL_MS);
  };

  return {
    port: (server.address() as AddressInfo).port,
    events,
    routable,
    add(port, probe) {
      const backend: Backend = { port, probe, routable: false };
      backends.set(port, backend);
      if (probe) schedule(backend);
      else setRoutable(backend, true);
    },
    remove(port) {
      const backend = backends.get(port);
      if (backend === undefined) return;
      clearTimeout(backend.timer);
      setRoutable(backend, false);
      backends.delete(port);
    },
    async waitUntilRoutable(port, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!routable().includes(port)) {
        if (Date.now() > deadline) throw new Error(`backend ${port} never became routable`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close() {
      closed = true;
      for (const backend of backends.values()) clearTimeout(backend.timer);
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * forward splices the client connection to the backend byte for byte (TLS
 * passes through untouched). A FIN is passed on as a FIN; an error or reset
 * on either side resets the other, so a peer sees what it would see
 * through kube-proxy's NAT.
 */
function forward(client: Socket, port: number, sockets: Set<Socket>): void {
  const upstream = netConnect(port, "127.0.0.1");
  for (const socket of [client, upstream]) {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  }
  client.pipe(upstream);
  upstream.pipe(client);
  client.once("error", () => upstream.resetAndDestroy());
  upstream.once("error", () => client.resetAndDestroy());
}

/** probeReady asks `GET /health/ready` once; anything but a 200 in time is not ready. */
async function probeReady(adminPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/health/ready`, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
