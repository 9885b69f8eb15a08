/**
 * The page baseline: a bare node:http server that answers every request with
 * one recorded response (status, headers, body), so the benchmark can compare
 * the real site with the fastest server that returns the same bytes.
 * Usage: node --import tsx bench/baseline-server.ts <response.json>
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { RecordedResponse } from "./lib/load";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: baseline-server.ts <response.json>\n");
  process.exit(2);
}
const recorded = JSON.parse(readFileSync(file, "utf8")) as RecordedResponse;
const body = Buffer.from(recorded.body, "base64");
const headers = { ...recorded.headers, "content-length": String(body.length) };

const server = http.createServer((req, res) => {
  // Read the request body as a real handler would before answering.
  req.on("data", () => {});
  req.on("end", () => {
    res.writeHead(recorded.status, headers);
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`PORT ${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
