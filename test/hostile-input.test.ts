// Issue 17, points 1 (from the CLI), 10, 11, 13 and 14: what a hostile or careless user types
// gets one line saying what is wrong (usage errors exit 2 and name the option, bad files exit 1
// and name the file), never a crash, a hang or raw control bytes on the terminal; the static
// server keeps to its folders and its names.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeNpy } from "../src/formats/npy.js";
import { startStaticServer, isLoopback, hostAllowed } from "../src/serve.js";
import { escapeControls } from "../src/output.js";
import { ROUTE_HINT_R } from "../src/commands/route.js";

const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
let tmp = "";
const f = (name: string) => join(tmp, name);

before(() => {
  tmp = mkdtempSync(join(tmpdir(), "moe-bank-hostile-"));
  const R = 4, N = 200, T = 100;
  const bit = (i: number) => (((i * 2654435761) >>> 0) % 7 === 0 ? 1 : 0);
  writeFileSync(f("train.npy"), encodeNpy("u8", [R, N], Uint8Array.from({ length: R * N }, (_, i) => bit(i))));
  writeFileSync(f("test.npy"), encodeNpy("u8", [R, T], Uint8Array.from({ length: R * T }, (_, i) => bit(i + 7))));
  writeFileSync(f("train20.npy"), encodeNpy("u8", [20, N], Uint8Array.from({ length: 20 * N }, (_, i) => bit(i))));
  writeFileSync(f("test20.npy"), encodeNpy("u8", [20, T], Uint8Array.from({ length: 20 * T }, (_, i) => bit(i + 3))));
  writeFileSync(f("zeros.npy"), encodeNpy("u8", [R, N], new Uint8Array(R * N)));
  writeFileSync(f("test10k.npy"), encodeNpy("u8", [R, 10000], Uint8Array.from({ length: R * 10000 }, (_, i) => bit(i))));
  writeFileSync(f("wide.npy"), encodeNpy("u8", [ROUTE_HINT_R, 8], Uint8Array.from({ length: ROUTE_HINT_R * 8 }, (_, i) => bit(i))));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: tmp, timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function oneLine(r: { code: number | null; stderr: string }, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stderr.split("\n").filter((l) => l !== "").length, 1, r.stderr);
  assert.match(r.stderr, re);
  assert.doesNotMatch(r.stderr, /internal error/);
}

const SMALL = ["-m", "50", "--alpha", "0.5", "-B", "0"];

test("point 1 from the CLI: -M 1073741828 is a usage error naming --runs, for select and bounds", () => {
  oneLine(cli("select", "--train-losses", f("train.npy"), "--test-losses", f("test.npy"), "-M", "1073741828", ...SMALL), 2, /--runs must be an integer in \[1, 16777216\], got 1073741828/);
  oneLine(cli("bounds", "--train-losses", f("train.npy"), "--test-losses", f("test.npy"), "-M", "1073741828", ...SMALL), 2, /--runs must be an integer in \[1, 16777216\], got 1073741828/);
});

test("point 10: -M 1e8, bounds where no expert errs, route --points 200000, gates --seed -1 and -n, --dataset bogus", () => {
  oneLine(cli("select", "--train-losses", f("train.npy"), "--test-losses", f("test.npy"), "-M", "1e8", ...SMALL), 2, /--runs must be an integer in \[1, 16777216\], got 100000000/);
  // within the range, but the error counts of -M x R would not fit the core: said before any work
  oneLine(cli("select", "--train-losses", f("train20.npy"), "--test-losses", f("test20.npy"), "-M", "16777216", ...SMALL), 2, /--runs 16777216 with R = 20 experts needs 1\.25 GiB of error counts \(i32 \[M, R\]\), more than the core's largest buffer: at most 13421772 runs/);
  const b = cli("bounds", "--train-losses", f("zeros.npy"), "--test-losses", f("test.npy"), "-M", "100", "--ismi-runs", "10", "--ismi-blocks", "2", "--supersamples", "10", "--selectors", "10", ...SMALL);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /1 distinct loss patterns/);
  oneLine(cli("route", "--test-losses", f("test.npy"), "--points", "200000"), 2, /--points must be an integer in \[1, 10000\], got 200000/);
  oneLine(cli("gates", "--test-losses", f("test10k.npy"), "--gate", "learned", "--seed", "-1"), 2, /--seed must be an integer >= 0, got -1/);
  oneLine(cli("gates", "--test-losses", f("test10k.npy"), "--gate", "learned", "-n", "10000"), 2, /--n must be below 10000 for --gate learned/);
  oneLine(cli("bank", "train", "--out", f("never"), "--dataset", "bogus"), 2, /^moe-bank: Invalid values: Argument: dataset, Given: "bogus", Choices: "mnist", "fashion-mnist", "cifar10" \(see --help\)$/m);
});

test("point 11: a device or a FIFO as an input file is refused at once", () => {
  const zero = cli("select", "--train-losses", "/dev/zero", "--test-losses", f("test.npy"));
  oneLine(zero, 1, /^moe-bank: \/dev\/zero: is a character device, not a regular file$/m);
  const fifo = f("fifo");
  const mk = spawnSync("mkfifo", [fifo]);
  if (mk.status === 0) oneLine(cli("route", "--test-losses", fifo), 1, /fifo: is a FIFO, not a regular file$/m);
  oneLine(cli("route", "--test-losses", tmp), 1, /: is a directory$/m);
  // a dataset file and a manifest go through the same reader
  oneLine(cli("bank", "train", "--out", f("b"), "--train-images", "/dev/zero", "--train-labels", "/dev/zero", "--test-images", "/dev/zero", "--test-labels", "/dev/zero"), 1, /\/dev\/zero: is a character device, not a regular file/);
});

test("point 14: a control byte from a file (0x9b, CSI) reaches the terminal escaped", () => {
  const bytes = readFileSync(f("test.npy"));
  bytes[bytes.indexOf("descr") + 2] = 0x9b;
  writeFileSync(f("c1.npy"), bytes);
  const r = spawnSync(process.execPath, [CLI, "route", "--test-losses", f("c1.npy")], { cwd: tmp });
  assert.equal(r.status, 1);
  const err = r.stderr as Buffer;
  assert.ok(!err.includes(Buffer.from([0xc2, 0x9b])) && !err.includes(Buffer.from([0x9b])), "no raw 0x9b");
  assert.match(err.toString("utf8"), /header has an unknown key "de\\x9bcr"/);
  assert.equal(escapeControls("a\u0007b\u001b[31mc\u009bd\te"), "a\\x07b\\x1b[31mc\\x9bd\te");
});

test("point 14: route says when --method squarem may be faster (from R = ROUTE_HINT_R on, default solver only)", () => {
  const r = cli("route", "--test-losses", f("wide.npy"), "--points", "2");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^moe-bank: hint: R = ${ROUTE_HINT_R} experts: .* try --method squarem\\n$`));
  assert.equal(cli("route", "--test-losses", f("wide.npy"), "--points", "2", "--method", "newton").stderr, "");
  assert.equal(cli("route", "--test-losses", f("test.npy"), "--points", "2").stderr, "");
});

function raw(port: number, text: string): Promise<string> {
  return new Promise((ok) => {
    const c = connect(port, "127.0.0.1");
    let b = "";
    c.on("data", (d) => (b += d));
    c.on("close", () => ok(b));
    c.on("error", () => ok(b));
    c.write(text);
  });
}

test("point 13: symlinks contained in the served folders, headers on 400/431, Host checked, 127.0.0.0/8 is loopback", async () => {
  const root = f("site");
  mkdirSync(join(root, "web"), { recursive: true });
  writeFileSync(join(root, "web", "index.html"), "page");
  writeFileSync(join(root, "secret.txt"), "SECRET");
  symlinkSync(join(root, "secret.txt"), join(root, "web", "link.txt"));
  writeFileSync(join(root, "web", "inside.txt"), "ok");
  symlinkSync(join(root, "web", "inside.txt"), join(root, "web", "link-inside.txt"));
  const s = await startStaticServer({ root, allow: ["web"] });
  const port = Number(new URL(s.url).port);
  try {
    assert.equal((await fetch(`${s.url}/web/link.txt`)).status, 403, "a link out of web/ to a file elsewhere in the root");
    const inside = await fetch(`${s.url}/web/link-inside.txt`);
    assert.equal(inside.status, 200);
    assert.equal(await inside.text(), "ok");
    for (const [req, status] of [["GARBAGE\r\n\r\n", "400"], [`GET /web/index.html HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`, "431"]] as const) {
      const res = await raw(port, req);
      assert.match(res, new RegExp(`^HTTP/1.1 ${status}`));
      for (const h of ["Cross-Origin-Opener-Policy: same-origin", "Cross-Origin-Embedder-Policy: require-corp", "Cross-Origin-Resource-Policy: same-origin", "X-Content-Type-Options: nosniff"]) {
        assert.ok(res.includes(h + "\r\n"), `${status} lacks ${h}`);
      }
    }
    const rebinding = await raw(port, "GET /web/index.html HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    assert.match(rebinding, /^HTTP\/1.1 421 /);
    assert.match(rebinding, /X-Content-Type-Options: nosniff/);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "localhost"]) {
      assert.match(await raw(port, `GET /web/index.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`), /^HTTP\/1.1 200 /, host);
    }
    assert.match(await raw(port, "GET /web/index.html HTTP/1.1\r\nConnection: close\r\n\r\n"), /^HTTP\/1.1 (400|421) /, "no Host");
  } finally {
    await s.close();
  }
  for (const h of ["127.0.0.1", "127.0.0.2", "127.255.255.254", "localhost", "::1", "[::1]", "::ffff:127.0.0.3"]) assert.ok(isLoopback(h), h);
  for (const h of ["128.0.0.1", "10.0.0.1", "0.0.0.0", "127.0.0.256", "example.com", "::"]) assert.ok(!isLoopback(h), h);
  assert.ok(hostAllowed("127.0.0.2", "127.0.0.2:8080") && hostAllowed("127.0.0.2", "localhost:8080") && !hostAllowed("127.0.0.2", "attacker.test:8080"));
  assert.ok(hostAllowed("192.168.1.5", "192.168.1.5:80") && !hostAllowed("192.168.1.5", "localhost:80"));
  assert.ok(hostAllowed("0.0.0.0", "anything:1"));
  // the CLI does not call 127.0.0.2 public
  const serve = spawnSync(process.execPath, [CLI, "serve", "--host", "127.0.0.2", "--port", "0"], { encoding: "utf8", timeout: 4000, killSignal: "SIGINT" });
  assert.match(serve.stdout, /moe-bank app at http:\/\/127\.0\.0\.2:\d+\/web\//);
  assert.doesNotMatch(serve.stderr, /other machines on the network/);
});
