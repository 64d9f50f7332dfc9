// The tool's version, recorded in manifests and reports. Kept equal to package.json's by a test
// (a constant rather than a file read, so that browsers see it too).
export const VERSION = "0.1.0";
