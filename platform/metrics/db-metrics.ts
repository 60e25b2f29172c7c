import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { LATENCY_BUCKETS } from "./buckets.js";

/** PoolUsage is what a database pool reports about its connections. */
export interface PoolUsage {
  /** The pool's size: most connections it opens. */
  readonly max: number;
  /** Connections checked out now: by a running statement or an open transaction. */
  inUse(): number;
  /** Statements and transactions beyond the pool's size, waiting behind others. */
  waiting(): number;
}

/** DbMetrics records a service's database work. */
export interface DbMetrics {
  /** Counts one finished statement and records its duration. */
  observeQuery(ok: boolean, seconds: number): void;
  /**
   * watchPool registers `db_pool_max`, `db_pool_in_use` and
   * `db_pool_waiting`, read from `pool` when Prometheus scrapes. Call it
   * once.
   */
  watchPool(pool: PoolUsage): void;
}

/**
 * createDbMetrics registers `db_queries_total{result}` (ok, error) and
 * `db_query_duration_seconds`. Their children are built here, so a
 * statement costs one increment and one observation.
 */
export function createDbMetrics(registry: Registry): DbMetrics {
  const queries = new Counter({
    name: "db_queries_total",
    help: "SQL statements run, by result (ok, error)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "db_query_duration_seconds",
    help: "Time to run a SQL statement, waiting for a connection included",
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
  const ok = queries.labels("ok");
  const error = queries.labels("error");
  return {
    observeQuery(succeeded, seconds) {
      (succeeded ? ok : error).inc();
      duration.observe(seconds);
    },
    watchPool(pool) {
      new Gauge({
        name: "db_pool_max",
        help: "Most connections the database pool opens",
        registers: [registry],
      }).set(pool.max);
      new Gauge({
        name: "db_pool_in_use",
        help: "Pool connections checked out by a running statement or an open transaction",
        registers: [registry],
        collect() {
          this.set(pool.inUse());
        },
      });
      new Gauge({
        name: "db_pool_waiting",
        help: "Statements and transactions waiting for a pool connection",
        registers: [registry],
        collect() {
          this.set(pool.waiting());
        },
      });
    },
  };
}
