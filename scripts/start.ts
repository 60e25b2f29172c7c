/**
 * start: runs the whole platform on embedded defaults (PGlite, dev PKI), one
 * process per service with its own certificate, then the REST gateway in
 * front of them, and prints the endpoints. DATABASE_URL / NATS_URL switch
 * every service to real servers. Ctrl-C (or SIGTERM) drains the gateway
 * first, then every service; the launcher exits 0 only if all of them did.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { ensureDevCa, ensureServiceCert } from "../platform/pki/index.js";
import { reconstructValidateProto } from "./reconstruct-validate-proto.js";

const certsDir = process.env.CERTS_DIR ?? ".certs";
const services = readdirSync("services").filter((name) =>
  existsSync(join("services", name, "main.ts")),
);

interface Definition {
  readonly name: string;
  readonly ports: { readonly rpcPort: number };
}

interface Started {
  readonly port: number;
  readonly adminPort: number;
}

// The dev CA is made once up front; each service then issues its own cert.
// The gateway's certificate is also what a developer uses with `buf curl`.
await ensureDevCa(certsDir);
// So `buf curl --schema .` works on a fresh clone (validate.proto is not in git).
reconstructValidateProto();
await ensureServiceCert(certsDir, { service: "gateway" });

const children = new Map<string, ChildProcess>();
const exits = new Map<string, number | null>();
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stopAll(0));

// Services call each other by UPSTREAMS (lazily, so none needs another up
// to start); locally each is on its definition's default RPC port.
const serviceEnv = { ...process.env, UPSTREAMS: process.env.UPSTREAMS ?? (await localUpstreams()) };
const ports = await Promise.all(
  services.map((name) => startChild(name, join("services", name, "main.ts"), serviceEnv)),
);
for (const [i, name] of services.entries()) announceService(name, ports[i]!);
if (!stopping) {
  // The gateway calls each service on the RPC port it really bound.
  const upstreams = services.map((name, i) => `${name}=https://127.0.0.1:${ports[i]!.port}`);
  const gateway = await startChild("gateway", join("gateway", "main.ts"), {
    ...process.env,
    UPSTREAMS: upstreams.join(","),
  });
  announceGateway(gateway);
}

/**
 * startChild runs one entry with `node --import tsx`, echoes its JSON log
 * lines, and resolves with the ports from its "service started" or
 * "gateway started" line. If any child exits before `stopping`, the
 * platform is not running: everything stops and the launcher exits 1.
 */
function startChild(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    stdio: ["ignore", "pipe", "inherit"],
    env,
  });
  children.set(name, child);
  return new Promise((resolve) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      process.stdout.write(`${line}\n`);
      const started = parseStarted(line);
      if (started) resolve(started);
    });
    child.on("exit", (code, signal) => {
      exits.set(name, code ?? (signal ? 128 : null));
      if (!stopping) {
        process.stderr.write(`${name} exited (${code ?? signal}); stopping the platform\n`);
        void stopAll(1);
      }
      if (exits.size === children.size) finish();
    });
  });
}

/**
 * localUpstreams is `name=https://127.0.0.1:<default RPC port>` for every
 * service, read from its definition (`services/<name>/<name>-service.ts`,
 * which only declares: importing it starts nothing).
 */
async function localUpstreams(): Promise<string> {
  const entries: string[] = [];
  for (const name of services) {
    const file = resolve("services", name, `${name}-service.ts`);
    if (!existsSync(file)) continue;
    const exports = Object.values(await import(pathToFileURL(file).href)) as Partial<Definition>[];
    const port = exports.find((e) => e?.name === name)?.ports?.rpcPort;
    if (port !== undefined) entries.push(`${name}=https://127.0.0.1:${port}`);
  }
  return entries.join(",");
}

function parseStarted(line: string): Started | undefined {
  if (!line.includes('"service started"') && !line.includes('"gateway started"')) return;
  const { rpc_port, port, admin_port } = JSON.parse(line) as {
    rpc_port?: number;
    port?: number;
    admin_port: number;
  };
  return { port: rpc_port ?? port ?? 0, adminPort: admin_port };
}

/**
 * stopAll drains the gateway first, so its in-flight requests still reach
 * their services, then the services. (With Ctrl-C the terminal also sends
 * SIGINT to every child at once; each drains on its own either way.)
 */
async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (exitCode !== 0) process.exitCode = exitCode;
  const gateway = children.get("gateway");
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
    await new Promise((resolve) => {
      gateway.once("exit", resolve);
      gateway.kill("SIGTERM");
    });
  }
  for (const [name, child] of children) if (name !== "gateway") child.kill("SIGTERM");
}

function finish(): void {
  const failed = [...exits].filter(([, code]) => code !== 0);
  if (failed.length > 0) {
    process.stderr.write(`not clean: ${failed.map(([n, c]) => `${n} exited ${c}`).join(", ")}\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`stopped: ${[...exits.keys()].join(", ")} exited 0\n`);
  }
  process.exit();
}

function announceService(name: string, { port, adminPort }: Started): void {
  const lines = [
    "",
    `  ${name} is up`,
    `    RPC (gRPC, Connect, gRPC-Web; mTLS)  https://127.0.0.1:${port}`,
    `    health                               http://127.0.0.1:${adminPort}/health/ready`,
  ];
  if (name === "identity") {
    lines.push(
      `    try: npx buf curl --schema . --cacert ${certsDir}/ca.crt --cert ${certsDir}/gateway.crt \\`,
      `           --key ${certsDir}/gateway.key -d '{}' https://127.0.0.1:${port}/identity.v1.UserService/ListUsers`,
    );
  }
  process.stdout.write([...lines, ""].join("\n"));
}

function announceGateway({ port, adminPort }: Started): void {
  process.stdout.write(
    [
      "",
      `  gateway  http://127.0.0.1:${port}  (try: curl localhost:${port}/v1/users)`,
      `    API reference   http://127.0.0.1:${port}/docs`,
      `    OpenAPI 3.1     http://127.0.0.1:${port}/openapi.json`,
      `    health          http://127.0.0.1:${adminPort}/health/ready`,
      "",
    ].join("\n"),
  );
}
