// A small static file server for the browser app and the browser tests (Node-only).
// It serves only files under `root` whose first path segment is in `allow`, never follows a
// path out of them (`..`, percent-encoded or absolute variants, NUL bytes: 403/404), sends
// the COOP/COEP headers that cross-origin isolation needs, and answers bad requests with a
// status, never a crash. It listens on 127.0.0.1 unless told otherwise.
import { createServer, type Server } from "node:http";
import { createReadStream } from "node:fs";
import { stat, realpath } from "node:fs/promises";
import { join, resolve, sep, extname } from "node:path";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
};

export interface StaticServerOptions {
  /** Folder the URL paths are relative to. */
  root: string;
  /** First path segments that may be served (e.g. ["dist", "build", "web"]). */
  allow: readonly string[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Maps a request path to a file under root, or a status code when it may not be served. */
export async function resolveRequestPath(root: string, allow: readonly string[], rawPath: string): Promise<string | 400 | 403 | 404> {
  let path: string;
  try {
    path = decodeURIComponent(rawPath.split("?")[0]!.split("#")[0]!);
  } catch {
    return 400;
  }
  if (path.includes("\0") || path.includes("\\")) return 400;
  if (!path.startsWith("/")) return 400;
  const segments = path.split("/").filter((s) => s.length > 0);
  if (segments.some((s) => s === ".." || s === ".")) return 403;
  if (segments.length === 0 || !allow.includes(segments[0]!)) return 404;
  const base = resolve(root);
  const file = resolve(base, ...segments);
  if (!file.startsWith(base + sep)) return 403;
  try {
    const real = await realpath(file);
    const realBase = await realpath(base);
    if (!real.startsWith(realBase + sep)) return 403;
    const st = await stat(real);
    if (st.isDirectory()) {
      const index = join(real, "index.html");
      return (await stat(index).then((s) => s.isFile()).catch(() => false)) ? index : 404;
    }
    return st.isFile() ? real : 404;
  } catch {
    return 404;
  }
}

/** Starts the server; resolves once it listens. */
export function startStaticServer(opts: StaticServerOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
    };
    const fail = (code: number) => {
      res.writeHead(code, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
      res.end(`${code}\n`);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return fail(405);
    resolveRequestPath(opts.root, opts.allow, req.url ?? "/").then(
      (r) => {
        if (typeof r === "number") return fail(r);
        res.writeHead(200, { ...headers, "Content-Type": MIME[extname(r)] ?? "application/octet-stream" });
        if (req.method === "HEAD") return res.end();
        createReadStream(r).on("error", () => res.destroy()).pipe(res);
      },
      () => fail(500),
    );
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  return new Promise((ok, ko) => {
    server.once("error", ko);
    server.listen(opts.port ?? 0, host, () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : opts.port;
      ok({ server, url: `http://${host}:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
