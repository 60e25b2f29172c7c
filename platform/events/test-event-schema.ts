import {
  create,
  createFileRegistry,
  type DescMessage,
  type Message,
  setExtension,
} from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MessageOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import { EventOptionsSchema, event } from "../../gen/platform/v1/event_pb.js";

/** TestEvent is the shape of a {@link createTestEventSchema} message. */
export type TestEvent = Message & { widgetId: string; quantity: number };

let files = 0;

/**
 * createTestEventSchema builds an event message schema at runtime, as if
 * compiled from
 *
 *     message WidgetShipped {
 *       option (platform.v1.event) = { type: "<type>" version: <version> };
 *       string widget_id = 1;
 *       int32 quantity = 2;
 *     }
 *
 * Tests pick the type, so runs sharing a NATS server use their own subjects
 * without a test-only proto in the contract.
 */
export function createTestEventSchema(type: string, version = 1): DescMessage {
  const options = create(MessageOptionsSchema);
  setExtension(options, event, create(EventOptionsSchema, { type, version }));
  const field = (
    name: string,
    jsonName: string,
    number: number,
    kind: FieldDescriptorProto_Type,
  ) => ({
    name,
    jsonName,
    number,
    type: kind,
    label: FieldDescriptorProto_Label.OPTIONAL,
  });
  const file = create(FileDescriptorProtoSchema, {
    name: `test/events/v1/widget_${++files}.proto`,
    package: "test.events.v1",
    syntax: "proto3",
    messageType: [
      {
        name: "WidgetShipped",
        field: [
          field("widget_id", "widgetId", 1, FieldDescriptorProto_Type.STRING),
          field("quantity", "quantity", 2, FieldDescriptorProto_Type.INT32),
        ],
        options,
      },
    ],
  });
  return createFileRegistry(file, () => undefined).getMessage("test.events.v1.WidgetShipped")!;
}
