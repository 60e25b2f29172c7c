import { encodeCursor } from "../../platform/pagination/index.js";

/**
 * nextCursorOf is a page's `next_cursor`: the last item's id, encoded, when
 * more items follow; empty on the last page.
 */
export function nextCursorOf(hasMore: boolean, lastId: string | undefined): string {
  return hasMore && lastId !== undefined ? encodeCursor(lastId) : "";
}
