#!/usr/bin/env node
// moe-bank command line. One sub-command per stage; `--json` on every command; exit codes
// 0 ok, 1 runtime error (one line on stderr, no stack trace), 2 usage error.
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { UsageError } from "./errors.js";
import { describeError, type GlobalOptions } from "./output.js";
import { dataCommand } from "./commands/data.js";
import { benchCommand } from "./commands/bench.js";
import { bankCommand } from "./commands/bank.js";
import { selectCommand } from "./commands/select.js";
import { tablesCommand } from "./commands/tables.js";
import { routeCommand } from "./commands/route.js";
import { gatesCommand } from "./commands/gates.js";
import { gateCommand } from "./commands/gate.js";
import { routeRowsCommand, topkCommand } from "./commands/route-rows.js";
import { reproduceCommand } from "./commands/reproduce.js";
import { boundsCommand } from "./commands/bounds.js";
import { gridCommand } from "./commands/grid.js";
import { serveCommand } from "./commands/serve.js";
import { synthCommand } from "./commands/synth.js";
import { scalingCommand } from "./commands/scaling.js";
import { sweepCommand } from "./commands/sweep.js";
import { sweepTaskCommand, sweepFinishCommand, sweepStatusCommand } from "./commands/sweep-cluster.js";
import { VERSION } from "./version.js";

export function buildCli(argv: string[]) {
  const y = yargs(argv)
    .scriptName("moe-bank")
    .usage(
      "$0 <command> [options]\n\n" +
        "Measure how much information a Mixture-of-Experts gate uses: a finite bank of CNN experts,\n" +
        "exact I(S;W) from discrete entropies, generalization bounds, and the routing D(rho) curve.",
    )
    .option("json", { type: "boolean", default: false, global: true, describe: "machine-readable JSON on stdout" })
    .option("quiet", { type: "boolean", default: false, global: true, describe: "no progress on stderr" })
    .option("progress", { type: "boolean", default: false, global: true, describe: "progress on stderr even when it is not a terminal" })
    .version(VERSION)
    .alias("h", "help")
    .strict()
    .recommendCommands()
    .demandCommand(1, "name a command, e.g. data")
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .epilogue("Exit codes: 0 ok, 1 error, 2 usage error. Every command takes --help.")
    .fail((msg, err) => {
      // yargs re-throws a coerce callback's error as a YError with the same message
      if (err && err.name === "YError") throw new UsageError(err.message);
      if (err) throw err;
      // yargs' messages can span lines ("Invalid values:\n  Argument: dataset, Given: ..."): one line
      const line = (msg ?? "bad command line").split("\n").map((s) => s.trim()).filter((s) => s !== "").join(" ");
      throw new UsageError(line.startsWith("Did you mean") ? `unknown command. ${line}` : line);
    });
  // in the order --help lists them: the main job first, then stage by stage, then tools
  const commands = [reproduceCommand, sweepCommand, sweepTaskCommand, sweepFinishCommand, sweepStatusCommand, dataCommand, bankCommand, selectCommand, tablesCommand, boundsCommand, gridCommand, routeCommand, routeRowsCommand, topkCommand, gateCommand, gatesCommand, synthCommand, scalingCommand, serveCommand, benchCommand];
  return commands.reduce((acc, add) => add(acc), y as unknown as Argv<GlobalOptions>);
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildCli(argv).parseAsync();
    return 0;
  } catch (err) {
    const { line, code, stack } = describeError(err);
    process.stderr.write(err instanceof UsageError ? `${line} (see --help)\n` : line + "\n");
    if (stack && process.env.MOE_BANK_DEBUG) process.stderr.write(stack + "\n");
    return code;
  }
}

// A reader that stops early (`moe-bank tables --json | head -1`) closes stdout: what it wanted is
// printed, and every file was written before stdout; end quietly instead of a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = await main(hideBin(process.argv));
