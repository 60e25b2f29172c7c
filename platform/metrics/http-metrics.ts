import { Counter, Histogram, type Registry } from "prom-client";
import { LATENCY_BUCKETS } from "./buckets.js";

/** UNMATCHED_ROUTE is the `route` label of requests no route matched (404, 405). */
export const UNMATCHED_ROUTE = "unmatched";

/** RouteRecorder records the requests of one route. */
export interface RouteRecorder {
  /** Counts one finished request and records its duration. */
  observe(method: string, status: number, seconds: number): void;
}

/** HttpMetrics records the RED signals of served HTTP routes. */
export interface HttpMetrics {
  /**
   * route gives the recorder of one `route` label: a path template such as
   * `/v1/users/{user_id}`, never a request path, so the label set stays
   * bounded. Build recorders at startup; one per label is cached.
   */
  route(route: string): RouteRecorder;
}

interface Inc {
  inc(): void;
}

/**
 * createHttpMetrics registers `http_server_requests_total{route,method,status}`
 * and `http_server_duration_seconds{route}`. A route's histogram child is
 * built with its recorder and its counter children are cached per method
 * and status, so a request costs two map lookups and two increments
 * (nothing configurable on the hot path).
 */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const requests = new Counter({
    name: "http_server_requests_total",
    help: "HTTP requests served, by route template, method and status code",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_server_duration_seconds",
    help: "Time to serve an HTTP request, from its arrival to the end of the response",
    labelNames: ["route"] as const,
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
  const recorders = new Map<string, RouteRecorder>();
  return {
    route(route) {
      let recorder = recorders.get(route);
      if (recorder === undefined) {
        recorder = routeRecorder(route, requests, duration.labels(route));
        recorders.set(route, recorder);
      }
      return recorder;
    },
  };
}

function routeRecorder(
  route: string,
  requests: Counter<"route" | "method" | "status">,
  histogram: { observe(seconds: number): void },
): RouteRecorder {
  // By method, then status: the method comes from Node's HTTP parser, which
  // only accepts the methods it knows, so both keys are bounded.
  const counters = new Map<string, Map<number, Inc>>();
  return {
    observe(method, status, seconds) {
      let byStatus = counters.get(method);
      if (byStatus === undefined) {
        byStatus = new Map();
        counters.set(method, byStatus);
      }
      let counter = byStatus.get(status);
      if (counter === undefined) {
        counter = requests.labels(route, method, String(status));
        byStatus.set(status, counter);
      }
      counter.inc();
      histogram.observe(seconds);
    },
  };
}
