// scheme "://" authority (RFC 3986 §3): the prefix of an absolute-form target.
const SCHEME_AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * originForm turns an absolute-form request target
 * (`GET http://api.example.com/v1/books/x`, RFC 9112 §3.2.2, which servers
 * must accept and proxies send) into the origin form the route matcher
 * reads (`/v1/books/x`). The authority is dropped: routing never depends
 * on the host. Other targets are returned as they are; a path left empty
 * is "/" (RFC 9112 §3.2.1).
 */
export function originForm(target: string): string {
  // The common case, an origin-form target, costs one comparison.
  if (target.charCodeAt(0) === 47 /* "/" */) return target;
  const prefix = SCHEME_AUTHORITY.exec(target);
  if (prefix === null) return target;
  const rest = target.slice(prefix[0].length);
  return rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
}
