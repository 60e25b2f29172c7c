import { Code } from "@connectrpc/connect";

// Computed once: "NotFound" -> "NOT_FOUND", the canonical gRPC names
// (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
const names = new Map<Code, string>(
  Object.values(Code)
    .filter((v): v is Code => typeof v === "number")
    .map((code) => [code, Code[code]!.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()]),
);

/** grpcCodeName is a code's canonical gRPC name, e.g. "NOT_FOUND"; "OK" for undefined. */
export function grpcCodeName(code: Code | undefined): string {
  return code === undefined ? "OK" : (names.get(code) ?? String(code));
}
