import {
  create,
  type DescMessage,
  fromBinary,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { anyPack, anyUnpack, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { v7 as uuidv7 } from "uuid";
import { type EventEnvelope, EventEnvelopeSchema } from "../../gen/platform/v1/event_pb.js";
import { eventTypeOf } from "./event-type.js";

/** NewEvent is an event a service is about to record. */
export interface NewEvent<Desc extends DescMessage = DescMessage> {
  /** The event message's schema, e.g. `OrderCreatedSchema`; it declares type and version. */
  readonly schema: Desc;
  readonly message: MessageShape<Desc>;
  /** Key of the entity the event is about; events with one key stay in order. */
  readonly subjectKey: string;
  /** The service recording it; must be the type's first segment. */
  readonly source: string;
  /** W3C `traceparent` of the request that caused it, if any. */
  readonly traceParent?: string | undefined;
  /** Request id (`X-Request-ID`) of the request that caused it, if any. */
  readonly requestId?: string | undefined;
}

/**
 * createEnvelope wraps an event in its {@link EventEnvelope}: a new UUIDv7
 * id, type and version from the schema's option, the current time, and the
 * message packed as `Any`. It refuses an event whose type belongs to another
 * service, since it would land in that service's stream.
 */
export function createEnvelope<Desc extends DescMessage>(event: NewEvent<Desc>): EventEnvelope {
  const { type, version, source } = eventTypeOf(event.schema);
  if (source !== event.source) {
    throw new Error(`service ${event.source} cannot record ${type}: it belongs to ${source}`);
  }
  return create(EventEnvelopeSchema, {
    eventId: uuidv7(),
    type,
    version,
    occurTime: timestampFromDate(new Date()),
    source: event.source,
    subjectKey: event.subjectKey,
    payload: anyPack(event.schema, event.message),
    traceParent: event.traceParent ?? "",
    requestId: event.requestId ?? "",
  });
}

/** encodeEnvelope serializes an envelope for the outbox and the broker. */
export function encodeEnvelope(envelope: EventEnvelope): Uint8Array {
  return toBinary(EventEnvelopeSchema, envelope);
}

/** DecodedEvent is an envelope and its payload, unpacked. */
export interface DecodedEvent<Desc extends DescMessage> {
  readonly envelope: EventEnvelope;
  readonly event: MessageShape<Desc>;
}

/**
 * decodeEvent parses an envelope and unpacks its payload as `schema`. It
 * throws when the envelope is of another type or version than the schema
 * declares: a consumer must never handle an event it does not understand.
 */
export function decodeEvent<Desc extends DescMessage>(
  schema: Desc,
  data: Uint8Array,
): DecodedEvent<Desc> {
  const { type, version } = eventTypeOf(schema);
  const envelope = fromBinary(EventEnvelopeSchema, data);
  if (envelope.type !== type || envelope.version !== version) {
    throw new Error(`expected ${type} v${version}, got ${envelope.type} v${envelope.version}`);
  }
  const event = envelope.payload && anyUnpack(envelope.payload, schema);
  if (!event) throw new Error(`${type} v${version}: payload is not a ${schema.typeName}`);
  return { envelope, event };
}
