import {
  type RunningGateway,
  type StartGatewayOptions,
  startGateway,
} from "../../gateway/start-gateway.js";
import { createGatewayDatabase } from "./gateway-database.js";
import type { OrdersPlatform } from "./start-orders-platform.js";

/** PlatformGateway is a gateway in front of a test's identity and orders. */
export interface PlatformGateway {
  readonly gateway: RunningGateway;
  /** Stops the gateway and removes its database. */
  stop(): Promise<void>;
}

/**
 * startPlatformGateway starts the REST gateway, as `npm start` does, in
 * front of `platform`'s identity and orders, with the platform's certs and
 * its own database (never `.data/gateway`). `env` adds or overrides
 * settings (rate limits, CORS…).
 */
export async function startPlatformGateway(
  platform: OrdersPlatform,
  env: Readonly<Record<string, string>> = {},
  options: StartGatewayOptions = {},
): Promise<PlatformGateway> {
  const database = await createGatewayDatabase();
  try {
    const gateway = await startGateway(
      {
        ...database.env,
        PORT: "0",
        ADMIN_PORT: "0",
        CERTS_DIR: platform.certsDir,
        LOG_LEVEL: "silent",
        UPSTREAMS: [
          `identity=https://127.0.0.1:${platform.identity.rpcPort}`,
          `orders=https://127.0.0.1:${platform.orders.rpcPort}`,
        ].join(","),
        ...env,
      },
      options,
    );
    return {
      gateway,
      async stop() {
        await gateway.stop();
        await database.remove();
      },
    };
  } catch (err) {
    await database.remove();
    throw err;
  }
}
