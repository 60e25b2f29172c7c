import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicServer, type PublicServer } from "../public-server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: PublicServer;
let port: number;

beforeAll(async () => {
  server = createPublicServer((_req, res) => res.end("served"));
  port = await server.listen(0, "127.0.0.1");
});

afterAll(async () => {
  await server.drain(0);
});

// exchange writes raw bytes node:http's parser refuses and reads the answer
// until the server closes the connection.
function exchange(request: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.once("close", () => {
      const raw = Buffer.concat(chunks).toString("latin1");
      const [head = "", body = ""] = raw.split("\r\n\r\n");
      resolve({ status: Number(head.slice(9, 12)), head, body });
    });
    socket.once("error", reject);
    socket.write(request);
  });
}

describe("answerClientError", () => {
  it.each([
    ["a request node:http cannot parse", "GET /v1 HTTP/1.1\r\nbad header\r\n\r\n", 400],
    ["a header block over the limit", `GET / HTTP/1.1\r\nx: ${"a".repeat(20_000)}\r\n\r\n`, 431],
  ])("answers %s with a request id in the header and the envelope", async (_, request, want) => {
    const { status, head, body } = await exchange(request);
    expect(status).toBe(want);
    const header = /^x-request-id: (.*)$/im.exec(head)?.[1];
    expect(header).toMatch(UUID);
    expect(JSON.parse(body).error.request_id).toBe(header);
  });

  it("gives every answer its own id", async () => {
    const request = "GET /v1 HTTP/1.1\r\nbad header\r\n\r\n";
    const [a, b] = await Promise.all([exchange(request), exchange(request)]);
    expect(JSON.parse(a.body).error.request_id).not.toBe(JSON.parse(b.body).error.request_id);
  });
});
