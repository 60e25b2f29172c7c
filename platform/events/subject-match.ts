/**
 * subjectMatcher compiles a subject filter once into a predicate with NATS
 * wildcard rules (https://docs.nats.io/nats-concepts/subjects#wildcards):
 * `*` matches exactly one token, `>` one or more trailing tokens. A filter
 * without wildcards compares strings and splits nothing.
 */
export function subjectMatcher(filter: string): (subject: string) => boolean {
  if (!filter.includes("*") && !filter.includes(">")) return (subject) => subject === filter;
  const wanted = filter.split(".");
  return (subject) => tokensMatch(wanted, subject.split("."));
}

/** subjectMatches tells whether `subject` falls under `filter`; see {@link subjectMatcher}. */
export function subjectMatches(filter: string, subject: string): boolean {
  return subjectMatcher(filter)(subject);
}

function tokensMatch(wanted: readonly string[], actual: readonly string[]): boolean {
  for (let i = 0; i < wanted.length; i++) {
    const token = wanted[i];
    if (token === ">") return actual.length > i;
    if (i >= actual.length || (token !== "*" && token !== actual[i])) return false;
  }
  return wanted.length === actual.length;
}
