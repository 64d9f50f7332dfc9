// as-pect: unit tests of the AssemblyScript core, compiled with the pinned compiler (the
// transform is patched by patch-aspect.mjs; see docs/DESIGN.md section 9). Run: npm run test:as
export default {
  entries: ["assembly/__tests__/**/*.spec.ts"],
  include: ["assembly/__tests__/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
