/**
 * A real TLS-terminating reverse proxy (Debian's nginx) on loopback in front
 * of a started site, configured the way a deployment would be: it sets Host,
 * X-Forwarded-Proto and X-Forwarded-For. Installs nginx-light when missing and
 * running as root; otherwise `ensureNginx` returns false and callers fall back
 * to raw requests shaped like nginx's.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import os from "node:os";
import path from "node:path";

const NGINX = "/usr/sbin/nginx";

export function ensureNginx(): boolean {
  if (existsSync(NGINX)) return true;
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore" });
    execFileSync("apt-get", ["install", "-y", "-qq", "nginx-light"], { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch {
    return false;
  }
  return existsSync(NGINX);
}

export interface RunningProxy {
  /** https://<hostname>:<port>, the address a browser would use. */
  origin: string;
  port: number;
  hostname: string;
  /** The proxy's self-signed certificate, to trust in requests. */
  ca: Buffer;
  stop(): Promise<void>;
}

/** A free port for the proxy, so the site's SITE_URL can name it before either starts. */
export { freePort as proxyPort } from "./ports";

export async function startNginx(upstreamPort: number, port: number, hostname = "aggrega.test"): Promise<RunningProxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-nginx-"));
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${hostname}`, "-addext", `subjectAltName=DNS:${hostname}`], { stdio: "ignore" });
  const conf = `
${process.getuid?.() === 0 ? "user root;" : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 60m;
  server {
    listen 127.0.0.1:${port} ssl;
    server_name ${hostname};
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Connection "";
    }
  }
}
`;
  const confPath = path.join(dir, "nginx.conf");
  await writeFile(confPath, conf);
  const child: ChildProcess = spawn(NGINX, ["-p", dir, "-c", confPath], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const stopChild = () => child.kill("SIGKILL");
  process.once("exit", stopChild);
  const ca = await readFile(cert);
  const origin = `https://${hostname}:${port}`;
  // A loop, not vi.waitFor: it gives up at once if the process exits instead of waiting out the timeout.
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}: ${stderr}`);
    try {
      await proxiedRequest({ origin, port, hostname, ca, stop: async () => {} }, "GET", "/healthz");
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not answer within 20 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    origin,
    port,
    hostname,
    ca,
    async stop() {
      process.off("exit", stopChild);
      if (child.exitCode === null) {
        child.kill("SIGQUIT");
        await new Promise((r) => child.once("exit", r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ProxiedReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTPS request to the proxy on 127.0.0.1 with SNI and Host of its public name, trusting its certificate. */
export function proxiedRequest(proxy: RunningProxy, method: string, pathname: string, body?: string, headers: Record<string, string> = {}): Promise<ProxiedReply> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: "127.0.0.1",
        port: proxy.port,
        servername: proxy.hostname,
        ca: proxy.ca,
        method,
        path: pathname,
        headers: { Host: `${proxy.hostname}:${proxy.port}`, ...(body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) }), ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    request.on("error", reject);
    request.setTimeout(15_000, () => request.destroy(new Error("no reply from the proxy")));
    if (body !== undefined) request.write(body);
    request.end();
  });
}
