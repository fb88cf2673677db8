/** `slayer demo`: `run` on the bundled demo model and corpora; ends by saying where the report is. */
import { resolve } from 'node:path';
import { runDemo } from '../../main/pipeline/demo.js';
import type { RunResult } from '../../main/pipeline/run.js';
import { DOMAINS } from '../../main/data/index.js';
import type { Command } from '../command.js';
import { choiceFlag, stringFlag } from '../args.js';
import { formatRunResult } from '../format-run.js';

const USAGE = 'slayer demo [--domain code|math|legal] [--out DIR] [--json]';

export const demoCommand: Command<RunResult> = {
  usage: USAGE,
  details: ['Default output: ./slayer-demo-<domain>. Running it again reuses every finished stage.'],
  options: { domain: { type: 'string' }, out: { type: 'string' } },
  async run(_positionals, values, ctx) {
    const domain = choiceFlag(values, 'domain', DOMAINS, 'code');
    const result = await runDemo(domain, resolve(stringFlag(values, 'out') ?? `slayer-demo-${domain}`), ctx);
    ctx.info(`Report: ${result.reportHtml}`);
    return result;
  },
  format: formatRunResult,
};
