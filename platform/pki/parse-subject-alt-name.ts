/** SubjectAltName is one entry of a certificate's subjectAltName, e.g. `{ type: "URI", value: "spiffe://…" }`. */
export interface SubjectAltName {
  /** As Node prints it: `DNS`, `URI`, `IP Address`, `email`, … */
  readonly type: string;
  readonly value: string;
}

/**
 * parseSubjectAltName parses Node's `subjectaltname` /
 * `X509Certificate.subjectAltName` text, e.g.
 * `URI:spiffe://protoplane.local/svc/a, DNS:localhost, IP Address:127.0.0.1`.
 * Since CVE-2021-44532 Node prints values containing `,`, quotes or other
 * unsafe characters as JSON string literals (`URI:"spiffe://x/a, DNS:b"`);
 * those are decoded, so a crafted value cannot smuggle in a second entry.
 * Returns undefined if the text is malformed.
 */
export function parseSubjectAltName(text: string): SubjectAltName[] | undefined {
  const names: SubjectAltName[] = [];
  let rest = text;
  while (rest !== "") {
    const colon = rest.indexOf(":");
    if (colon <= 0) return undefined;
    const parsed = readValue(rest.slice(colon + 1));
    if (parsed === undefined) return undefined;
    names.push({ type: rest.slice(0, colon), value: parsed.value });
    if (parsed.rest !== "" && !parsed.rest.startsWith(", ")) return undefined;
    rest = parsed.rest.slice(2);
  }
  return names;
}

function readValue(text: string): { value: string; rest: string } | undefined {
  if (text.startsWith('"')) return readQuoted(text);
  const end = text.indexOf(", ");
  return end < 0 ? { value: text, rest: "" } : { value: text.slice(0, end), rest: text.slice(end) };
}

function readQuoted(text: string): { value: string; rest: string } | undefined {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') {
      try {
        return { value: JSON.parse(text.slice(0, i + 1)) as string, rest: text.slice(i + 1) };
      } catch {
        return undefined;
      }
    }
  }
  return undefined; // unterminated quote
}
