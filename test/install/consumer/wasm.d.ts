// What a bundler's file loader gives for `import url from "x.wasm"`: the URL of its copy.
declare module "*.wasm" {
  const url: string;
  export default url;
}
