/**
 * The shape of one `slayer` sub-command. Commands are thin: they parse flags, call a core
 * function from src/main/*, and return the JSON document the command contract (docs/cli.md)
 * names. Its name and summary live in the registry (commands/index.ts), which loads the module
 * only when the command runs.
 */
import type { ParseArgsConfig } from 'node:util';
import type { TaskControl } from '../shared/progress.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext extends TaskControl {
  json: boolean;
  debug: boolean;
  /** Human-readable lines go to stderr so stdout stays one JSON document under --json. */
  info: (line: string) => void;
}

export interface Command<Result = unknown> {
  /** e.g. "slayer inspect MODEL [--json]" */
  usage: string;
  /** Extra help lines shown by `slayer <name> --help`. */
  details?: string[];
  options: OptionSpec;
  /** One --help line per option, with its description and default (from the command's schema, src/shared/commands). */
  optionHelp?: string[];
  run(positionals: string[], values: Record<string, string | boolean | string[] | undefined>, ctx: CommandContext): Promise<Result>;
  /** Plain-text rendering for stdout without --json; JSON pretty-print when absent. */
  format?: (result: Result) => string;
}
