import { fileURLToPath } from "node:url";
import { benchUserIds } from "../../bench/servers/user-store.js";
import type { GatewayProcess } from "./gateway-process.js";
import type { RestBenchOptions } from "./rest-bench.js";

const BARE_ENTRY = fileURLToPath(new URL("./bare-gateway-entry.ts", import.meta.url));
const USER_ID = benchUserIds()[0]!;

/**
 * floorOptions runs the REST row through bare-gateway-entry.ts instead of
 * the gateway: the same load, identity server and mTLS hop, with nothing
 * but node:http in and one node:http2 call out. Its calls/s bounds what
 * any Node gateway with a network hop reaches on this machine.
 */
export function floorOptions(
  server: RestBenchOptions["server"],
): Pick<RestBenchOptions, "server" | "gateway" | "verify"> {
  return { server, gateway: { entry: BARE_ENTRY }, verify: verifyFloor };
}

/** verifyFloor proves the bare path reaches identity: 200 with a non-empty answer. */
async function verifyFloor(gateway: GatewayProcess, log: (line: string) => void): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${gateway.port}/v1/users/${USER_ID}`);
  const { bytes } = (await res.json()) as { bytes?: number };
  if (res.status !== 200 || !bytes) throw new Error(`bare floor GET: ${res.status} ${bytes}`);
  log(`  floor: path live (bare http → http2 call, ${bytes} bytes of gRPC answer)`);
}
