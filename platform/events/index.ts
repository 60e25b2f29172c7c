export {
  type ConsumerHandle,
  type DeadLetter,
  type DeadLetterQuery,
  type DeadLetterSettings,
  type DeadLetterStore,
  type Delivery,
  type DeliveryHandler,
  defaultDeadLetters,
  type EventBroker,
  type EventHeaders,
  type PublishAck,
  type PublishOptions,
} from "./broker.js";
export { createEventBroker, type EventBrokerOptions } from "./create-event-broker.js";
export {
  createEnvelope,
  type DecodedEvent,
  decodeEvent,
  encodeEnvelope,
  type NewEvent,
} from "./event-envelope.js";
export { type EventType, eventSubject, eventTypeOf } from "./event-type.js";
export { createMemoryBroker, type MemoryBrokerOptions } from "./memory-broker.js";
export { createNatsBroker, type NatsBrokerOptions } from "./nats-broker.js";
export { mapNatsError } from "./nats-error.js";
export { createOutboxTable, eventHeader, type OutboxTable, writeEvent } from "./outbox.js";
export { type OutboxRelay, type OutboxRelayOptions, startOutboxRelay } from "./outbox-relay.js";
export {
  createProcessedEventsTable,
  handleOnce,
  type ProcessedEventsTable,
} from "./processed-events.js";
export { type EventHandler, type SubscribeOptions, subscribe } from "./subscribe.js";
export {
  type ConsumerInit,
  type ConsumerSpec,
  defineConsumer,
  defineStream,
  defineTopology,
  eventStream,
  type StreamInit,
  type StreamSpec,
  type Topology,
} from "./topology.js";
