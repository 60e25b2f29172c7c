/** What a Connect caller may pass as headers (fetch's HeadersInit). */
export type HeadersInit = NonNullable<ConstructorParameters<typeof Headers>[0]>;

/**
 * forEachHeader calls `visit` with each name and value of any HeadersInit
 * shape, without building a `Headers` from it: a `Headers` (names already
 * lowercase, repeated values joined), entry pairs, or a record (a list
 * value joined with ", "). Names are as the caller wrote them.
 */
export function forEachHeader(
  init: HeadersInit,
  visit: (name: string, value: string) => void,
): void {
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      visit(name, value);
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init) {
      if (name !== undefined && value !== undefined) visit(name, value);
    }
  } else {
    for (const name of Object.keys(init)) {
      const value = init[name]!;
      visit(name, typeof value === "string" ? value : value.join(", "));
    }
  }
}
