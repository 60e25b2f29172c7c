import { Code, ConnectError } from "@connectrpc/connect";

/** defaultPageSize is the ListUsers page size when the request's limit is 0. */
export const defaultPageSize = 20;

/** maxPageSize is the largest ListUsers page; larger limits are rejected. */
export const maxPageSize = 100;

/**
 * pageSize resolves a request's `limit` to the number of users to return:
 * 0 (proto3's "unset") means {@link defaultPageSize}. The platform validates
 * the range before the handler runs; the check here keeps the rule true for
 * callers that bypass it (in-process calls, tests).
 */
export function pageSize(limit: number): number {
  if (limit === 0) return defaultPageSize;
  if (!Number.isInteger(limit) || limit < 0 || limit > maxPageSize) {
    throw new ConnectError(`limit must be between 0 and ${maxPageSize}`, Code.InvalidArgument);
  }
  return limit;
}
