/**
 * start: runs the whole platform on embedded defaults (PGlite, dev PKI), one
 * process per service with its own certificate, and prints the endpoints.
 * DATABASE_URL / NATS_URL switch every service to real servers. Ctrl-C (or
 * SIGTERM) drains every service gracefully.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ensureDevCa, ensureServiceCert } from "../platform/pki/index.js";
import { reconstructValidateProto } from "./reconstruct-validate-proto.js";

const certsDir = process.env.CERTS_DIR ?? ".certs";
const services = readdirSync("services").filter((name) =>
  existsSync(join("services", name, "main.ts")),
);

// The dev CA is made once up front; each service then issues its own cert.
// The gateway's certificate is also what a developer uses with `buf curl`.
await ensureDevCa(certsDir);
// So `buf curl --schema .` works on a fresh clone (validate.proto is not in git).
reconstructValidateProto();
await ensureServiceCert(certsDir, { service: "gateway" });

const children = services.map((name) => startChild(name));
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill("SIGTERM");
  });
}
let exited = 0;
for (const child of children) {
  child.on("exit", (code) => {
    if (!stopping && code !== 0) {
      // One service failing to start means the platform isn't running.
      stopping = true;
      process.exitCode = 1;
      for (const other of children) other.kill("SIGTERM");
    }
    if (++exited === children.length) process.exit();
  });
}

function startChild(name: string): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join("services", name, "main.ts")], {
    stdio: ["ignore", "pipe", "inherit"],
    env: process.env,
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    process.stdout.write(`${line}\n`);
    announce(name, line);
  });
  return child;
}

// Prints the endpoints once the service logs that it started.
function announce(name: string, line: string): void {
  if (!line.includes('"service started"')) return;
  const { rpc_port: rpc, admin_port: admin } = JSON.parse(line) as {
    rpc_port: number;
    admin_port: number;
  };
  process.stdout.write(
    [
      "",
      `  ${name} is up`,
      `    RPC (gRPC, Connect, gRPC-Web; mTLS)  https://127.0.0.1:${rpc}`,
      `    health                               http://127.0.0.1:${admin}/health/ready`,
      `    try: npx buf curl --schema . --cacert ${certsDir}/ca.crt --cert ${certsDir}/gateway.crt \\`,
      `           --key ${certsDir}/gateway.key -d '{}' https://127.0.0.1:${rpc}/identity.v1.UserService/ListUsers`,
      "",
    ].join("\n"),
  );
}
