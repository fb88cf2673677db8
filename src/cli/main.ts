/**
 * The `slayer` command: the same core as the desktop app, headless.
 * Contract (docs/cli.md): progress on stderr; with --json exactly one JSON document on stdout;
 * exit 0 on success; on bad input one plain-language line on stderr and a non-zero exit.
 * Only the command that runs is loaded (commands/index.ts), so the answer to --version and
 * --help costs no engine, tokenizer or document reader.
 */
import { parseArgs } from 'node:util';
import { commands, type CommandEntry } from './commands/index.js';
import type { Command, CommandContext } from './command.js';
import { createProgressBar } from './progress-bar.js';
import { appVersion } from '../main/version.js';
import { describeError, isUserError, UserError } from '../shared/errors.js';

const EXIT_USER_ERROR = 2;
const EXIT_BUG = 70;
const EXIT_CANCELLED = 130;

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    'slayer — inject domain knowledge into a Llama-family model with the S strategy, offline.',
    '',
    'Usage: slayer <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command accepts:',
    '  --json     print exactly one JSON document on stdout (progress stays on stderr)',
    '  --debug    show the full error with stack trace',
    '  --help     help for that command',
    '',
    'Global:',
    '  slayer --version',
    '  slayer <command> --help',
  ].join('\n');
}

function commandHelp(entry: CommandEntry, c: Command): string {
  const lines = [entry.summary, '', `Usage: ${c.usage}`];
  const opts = Object.entries(c.options);
  if (c.optionHelp) lines.push('', 'Options:', ...c.optionHelp);
  else if (opts.length) {
    lines.push('', 'Options:');
    for (const [name, o] of opts) lines.push(`  --${name}${o.type === 'string' ? ' VALUE' : ''}`);
  }
  if (c.details?.length) lines.push('', ...c.details);
  return lines.join('\n');
}

const commonOptions = {
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${appVersion()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === first);
  if (!entry) {
    process.stderr.write(`Unknown command "${first}". Run "slayer --help" to see the commands.\n`);
    return EXIT_USER_ERROR;
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const bar = createProgressBar();
  try {
    const command = await entry.load();
    let parsed;
    try {
      parsed = parseArgs({
        args: argv.slice(1),
        options: { ...command.options, ...commonOptions },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UserError(`${(e as Error).message.split('\n')[0]} Usage: ${command.usage}`);
    }
    if (parsed.values.help) {
      process.stdout.write(`${commandHelp(entry, command)}\n`);
      return 0;
    }
    const json = Boolean(parsed.values.json);
    const ctx: CommandContext = {
      json,
      debug,
      signal: controller.signal,
      onProgress: (p) => bar.update(p),
      onLog: (line) => {
        bar.done();
        process.stderr.write(`${line}\n`);
      },
      info: (line) => {
        bar.done();
        process.stderr.write(`${line}\n`);
      },
    };
    const result = await command.run(parsed.positionals, parsed.values as never, ctx);
    bar.done();
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result !== undefined) {
      process.stdout.write(`${command.format ? command.format(result) : JSON.stringify(result, null, 2)}\n`);
    }
    return 0;
  } catch (e) {
    bar.done();
    if (debug) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    else process.stderr.write(`${describeError(e)}\n`);
    if ((e as { isCancelled?: boolean })?.isCancelled) return EXIT_CANCELLED;
    return isUserError(e) ? EXIT_USER_ERROR : EXIT_BUG;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
