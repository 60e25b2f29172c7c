import { type DescMessage, getOption, hasOption } from "@bufbuild/protobuf";
import { event } from "../../gen/platform/v1/event_pb.js";

/** EventType is what an event message declares about itself in its proto. */
export interface EventType {
  /** e.g. "orders.order.created". */
  readonly type: string;
  readonly version: number;
  /** Broker subject, `<type>.v<version>`, e.g. "orders.order.created.v1". */
  readonly subject: string;
  /** Owning service: the type's first segment, e.g. "orders". */
  readonly source: string;
}

// `<source>.<entity>.<fact>`: lowercase tokens, at least two, so the first
// one can name the owning service and its stream.
const typePattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const cache = new WeakMap<DescMessage, EventType>();

/**
 * eventTypeOf reads the `(platform.v1.event)` option of an event message
 * and derives its subject. The result is cached per schema, so calling it on
 * every write or delivery costs a map lookup.
 */
export function eventTypeOf(schema: DescMessage): EventType {
  const cached = cache.get(schema);
  if (cached) return cached;
  if (!hasOption(schema, event)) {
    throw new Error(`${schema.typeName} is not an event: it has no (platform.v1.event) option`);
  }
  const { type, version } = getOption(schema, event);
  if (!typePattern.test(type)) throw new Error(`${schema.typeName}: invalid event type "${type}"`);
  if (!(version >= 1)) throw new Error(`${schema.typeName}: event version must be >= 1`);
  const result = Object.freeze({
    type,
    version,
    subject: eventSubject(type, version),
    source: type.slice(0, type.indexOf(".")),
  });
  cache.set(schema, result);
  return result;
}

/** eventSubject is the broker subject of an event type and version: `<type>.v<version>`. */
export function eventSubject(type: string, version: number): string {
  return `${type}.v${version}`;
}
