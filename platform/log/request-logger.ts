import type { Logger } from "pino";

/** RequestLogFields identify one request in every line logged while serving it. */
export interface RequestLogFields {
  readonly request_id: string;
  readonly trace_id?: string;
  readonly span_id?: string;
  /** Fully qualified RPC or HTTP route, e.g. `orders.v1.OrdersService/GetOrder`. */
  readonly method?: string;
  /** Caller: a SPIFFE id for services, an address for public clients. */
  readonly peer?: string;
}

/**
 * requestLogger derives the logger for one request from the root logger.
 * It is a plain pino child: the bindings are serialized once here, so each
 * line logged during the request costs no more than a root logger line.
 * Field names are snake_case to match the public JSON and the log schema.
 */
export function requestLogger(base: Logger, fields: RequestLogFields): Logger {
  return base.child(fields);
}
