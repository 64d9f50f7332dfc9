// What the host offers beyond ECMAScript, found at run time rather than imported: Node's built-in
// modules where there are some (Node >= 20.16, Bun, Deno), nothing in a browser. Reached through
// process.getBuiltinModule, so no module of this package names a Node built-in in an import: a
// bundler (esbuild, Vite, webpack) building for the browser has nothing to resolve, polyfill or
// stub, and a browser loading dist/ unbundled never fetches one.

interface HostProcess {
  getBuiltinModule?: (id: string) => unknown;
}

/** The Node built-in module `id` (e.g. "node:fs/promises"), or null where the host has none. */
export function nodeBuiltin<T>(id: `node:${string}`): T | null {
  const proc = (globalThis as { process?: HostProcess }).process;
  const mod = typeof proc?.getBuiltinModule === "function" ? proc.getBuiltinModule(id) : undefined;
  return (mod ?? null) as T | null;
}
