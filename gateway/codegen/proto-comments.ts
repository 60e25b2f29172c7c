import type {
  DescEnum,
  DescEnumValue,
  DescField,
  DescMessage,
  DescMethod,
  DescService,
} from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";

/**
 * commentText returns an element's leading proto comment as Markdown-ready
 * text: the space after `//` removed, trailing spaces and blank edges
 * trimmed, line breaks kept (CommonMark joins them into one paragraph).
 * Returns "" when there is no comment.
 */
export function commentText(
  desc: DescMessage | DescEnum | DescEnumValue | DescField | DescMethod | DescService,
): string {
  const leading = getComments(desc).leading ?? "";
  const lines = leading.split("\n").map((line) => line.replace(/^ /, "").trimEnd());
  return lines.join("\n").trim();
}

/** summaryOf returns the first sentence of a comment, without its final period, e.g. "GetUser returns one user". */
export function summaryOf(text: string): string {
  const paragraph = text.split(/\n\s*\n/)[0]?.replaceAll("\n", " ") ?? "";
  const end = paragraph.search(/\.(\s|$)/);
  return (end < 0 ? paragraph : paragraph.slice(0, end)).trim();
}

/** joinText joins non-empty paragraphs with a blank line. */
export function joinText(...paragraphs: (string | undefined)[]): string {
  return paragraphs.filter((p) => p !== undefined && p !== "").join("\n\n");
}
