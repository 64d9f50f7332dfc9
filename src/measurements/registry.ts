// Every measurement the tool makes, in the order the report and --help list them. Adding a
// measurement is one folder (src/measurements/<name>/index.ts exporting a Measurement) and one
// line here; the commands, `reproduce --companion`, the page, the bench and
// test/measurements.test.ts find it through this list.
import { select } from "./select/index.js";
import { tables } from "./tables/index.js";
import { bounds } from "./bounds/index.js";
import { grid } from "./grid/index.js";
import { route } from "./route/index.js";
import { gates } from "./gates/index.js";
import { gateMeasure } from "./gate-measure/index.js";
import { routeRows } from "./route-rows/index.js";
import { topk } from "./topk/index.js";
import { scaling } from "./scaling/index.js";
import { synthGating } from "./synth-gating/index.js";
import { synthConstants } from "./synth-constants/index.js";

export const registry = [select, tables, bounds, grid, route, routeRows, topk, gates, gateMeasure, scaling, synthGating, synthConstants] as const;

export type RegisteredMeasurement = (typeof registry)[number];
export type MeasurementName = RegisteredMeasurement["name"];

/** The measurement called `name` (a command, a report section). */
export function byName(name: string): RegisteredMeasurement | undefined {
  return registry.find((m) => m.name === name);
}
