import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import type { RunningGateway } from "../../gateway/start-gateway.js";
import { createGatewayClient, type GatewayClient, type GatewayResponse } from "./gateway-http.js";
import { type OrdersPlatform, startOrdersPlatform } from "./start-orders-platform.js";
import { startPlatformGateway } from "./start-platform-gateway.js";
import { bearer } from "./test-tokens.js";
import { type AuthHeaders, createGatewayUser, type TestUser } from "./test-users.js";

/**
 * SecurityStack is what an OWASP API Top 10 test attacks: the real gateway
 * (in-process, as startGateway runs it) in front of the real identity and
 * orders, on real Postgres when TEST_DATABASE_URL is set.
 */
export interface SecurityStack {
  readonly platform: OrdersPlatform;
  readonly gateway: RunningGateway;
  /** Raw HTTP/1.1 client; every answer is checked against gen/openapi.json. */
  readonly api: GatewayClient;
  readonly certsDir: string;
  /** The gateway's log lines (JSON), at LOG_LEVEL `info` unless `env` says otherwise. */
  readonly logs: readonly Record<string, unknown>[];
  /** A user an admin created, with a test token of its own (no password). */
  newUser(): Promise<TestUser>;
  /** Signs up through `POST /v1/auth/register`, as a public client does. */
  signUp(options?: SendFrom): Promise<SignedUp>;
  /** Creates an API key with `POST /v1/api-keys`, acting with `headers`; throws unless 200. */
  createApiKey(headers: AuthHeaders, scopes: readonly string[]): Promise<CreatedApiKey>;
  stop(): Promise<void>;
}

/** SendFrom picks the client address of a request (any of 127.0.0.0/8). */
export interface SendFrom {
  readonly localAddress?: string;
}

/** CreatedApiKey is a new API key: its id, its one-time secret and the whole answer. */
export interface CreatedApiKey {
  readonly keyId: string;
  readonly secret: string;
  readonly response: GatewayResponse;
}

/** SignedUp is a user who signed up with a password, and the tokens sign-up returned. */
export interface SignedUp {
  readonly userId: string;
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly headers: AuthHeaders;
}

/**
 * startSecurityStack starts identity, orders and a gateway in front of
 * them. `env` configures the gateway (rate limits, CORS…); by default the
 * auth routes' per-IP budget is raised so that sign-ups and logins of the
 * test itself are not limited (files testing that limit set it).
 */
export async function startSecurityStack(env: Record<string, string> = {}): Promise<SecurityStack> {
  const platform = await startOrdersPlatform();
  const logs: Record<string, unknown>[] = [];
  const logDestination = { write: (line: string) => void logs.push(JSON.parse(line)) };
  const gatewayEnv = { LOG_LEVEL: "info", RATE_LIMIT_AUTH: "1000/60", ...env };
  const started = await startPlatformGateway(platform, gatewayEnv, { logDestination }).catch(
    async (err: unknown) => {
      await platform.stop();
      throw err;
    },
  );
  const api = createGatewayClient(started.gateway.port);
  const { certsDir } = platform;
  return {
    platform,
    gateway: started.gateway,
    api,
    certsDir,
    logs,
    newUser: () =>
      createGatewayUser(api, certsDir, { email: uniqueEmail("user"), displayName: "Test" }),
    signUp: (options) => signUp(api, options),
    createApiKey: (headers, scopes) => createApiKey(api, headers, scopes),
    async stop() {
      await started.stop();
      await platform.stop();
    },
  };
}

/** uniqueEmail is a fresh address, so test files and cases never collide. */
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

async function signUp(api: GatewayClient, options: SendFrom = {}): Promise<SignedUp> {
  const email = uniqueEmail("signup");
  const password = `pw-${randomUUID()}`;
  const res = await api.send("POST", "/v1/auth/register", {
    json: { email, password, display_name: "Signed Up" },
    ...options,
  });
  if (res.status !== 200) throw new Error(`register: ${res.status} ${res.text}`);
  const { access_token: accessToken, refresh_token: refreshToken } = res.body.tokens;
  return {
    userId: res.body.user.user_id,
    email,
    password,
    accessToken,
    refreshToken,
    headers: { authorization: bearer(accessToken) },
  };
}

async function createApiKey(
  api: GatewayClient,
  headers: AuthHeaders,
  scopes: readonly string[],
): Promise<CreatedApiKey> {
  const response = await api.send("POST", "/v1/api-keys", {
    json: { name: "test", scopes },
    headers: { ...headers },
  });
  if (response.status !== 200)
    throw new Error(`create API key: ${response.status} ${response.text}`);
  return { keyId: response.body.api_key.key_id, secret: response.body.secret, response };
}

/**
 * rawExchange writes `request` byte for byte on a new TCP connection and
 * returns everything the server sent until it closed the connection, or
 * until `waitMs` passed: for requests no HTTP client would send (an
 * absolute-form target, a truncated header block).
 */
export function rawExchange(port: number, request: string, waitMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(done, waitMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.once("end", done);
    socket.once("close", done);
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(request);
  });
}

/** statusOf reads the status code of a raw HTTP/1.1 response (0 if none). */
export function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}
