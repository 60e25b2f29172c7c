import type { DescMessage } from "@bufbuild/protobuf";

/**
 * reachableMessages lists every message type a value of `root` can contain,
 * `root` included, through fields at any depth; recursive types end the
 * walk where they repeat.
 */
export function reachableMessages(root: DescMessage): DescMessage[] {
  const seen = new Set<DescMessage>([root]);
  for (const message of seen) {
    for (const field of message.fields) {
      if (field.message !== undefined) seen.add(field.message);
    }
  }
  return [...seen];
}
