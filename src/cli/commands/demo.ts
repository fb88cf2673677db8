/** `slayer demo`: `run` on the bundled demo model and corpora; ends by saying where the report is. */
import { join, resolve } from 'node:path';
import { runDemo } from '../../main/pipeline/demo.js';
import type { RunResult } from '../../main/pipeline/run.js';
import { defaultHome, SettingsStore } from '../../main/settings.js';
import { ProjectStore } from '../../main/projects/store.js';
import { createDemoProject, type DemoProject } from '../../main/welcome/demo-project.js';
import { UserError } from '../../shared/errors.js';
import type { Command } from '../command.js';
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { demoSchema } from '../../shared/commands/demo.js';
import { formatRunResult } from '../format-run.js';

const USAGE = 'slayer demo [--domain code|math|legal] [--out DIR | --project-only] [--json]';

export const demoCommand: Command<RunResult | DemoProject> = {
  usage: USAGE,
  details: [
    'Default output: ./slayer-demo-<domain>. Running it again reuses every finished stage.',
    '--project-only: create the demo project in the app\'s data folder instead (the app\'s "Try it with the demo"):',
    'the demo model with its documents and general text chosen, ready for the Analyze step or "slayer run".',
  ],
  options: parseArgsOptions(demoSchema),
  optionHelp: helpLines(demoSchema),
  async run(_positionals, values, ctx) {
    const { domain, out, projectOnly } = parseFlags(demoSchema, values, {}, USAGE);
    if (projectOnly) {
      if (out !== undefined) throw new UserError("--project-only creates the project in the app's data folder: leave out --out.");
      const { dataDir } = (await SettingsStore.open(defaultHome())).get();
      const created = await createDemoProject(new ProjectStore(join(dataDir, 'projects')), domain);
      ctx.info(`Created the project "${created.project.name}" in ${created.project.dir}; open it in the app.`);
      return created;
    }
    const result = await runDemo(domain, resolve(out ?? `slayer-demo-${domain}`), ctx);
    ctx.info(`Report: ${result.reportHtml}`);
    return result;
  },
  format: (r) =>
    'project' in r
      ? [
          `Project   ${r.project.name}`,
          `Folder    ${r.project.dir}`,
          `Model     ${r.project.modelDir}`,
          `Documents ${r.settings.corpus.data}`,
          `General   ${r.settings.corpus.general}`,
        ].join('\n')
      : formatRunResult(r),
};
