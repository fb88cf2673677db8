/**
 * `slayer demo`: the whole pipeline on the bundled demo model and corpora (resources/demo), sized
 * to finish in a few minutes on two CPU cores.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { appPath } from '../fs/app-root.js';
import type { TaskControl } from '../../shared/progress.js';
import type { Domain } from '../data/index.js';
import { BASELINES, runPipeline, type RunOptions, type RunResult } from './run.js';

/** resources/demo: the demo model, corpora and questions. */
export function demoRoot(): string {
  const root = appPath('resources', 'demo');
  if (!existsSync(join(root, 'SOURCES.md'))) throw new UserError('The demo material (resources/demo) is missing from this installation. Reinstall the app.');
  return root;
}

/** Small, equal training budgets for S and the baselines: the comparison, not the absolute numbers, is the point. */
export const DEMO_SETTINGS = { seqLen: 128, seed: 0, steps: 60, batch: 8, lr: 3e-4, scoreSamples: 32, evalSamples: 48 } as const;

/**
 * The bundled sets the demo measures every model on: the multiple-choice ones of its domain and
 * of general ability. The generation sets (math-worked, code-python, code-js) cost a forward
 * pass per generated token per item on each of the four models; `slayer eval --task` runs them.
 */
export const DEMO_TASKS: Record<Domain | 'general', string[]> = {
  code: ['bundled:code-cloze'],
  math: ['bundled:math-choice'],
  legal: ['bundled:legal-cloze', 'bundled:legal-licence'],
  general: ['bundled:general-cloze', 'bundled:general-continuation', 'bundled:general-blank', 'bundled:general-presidents'],
};

export function demoOptions(domain: Domain, out: string): RunOptions {
  const root = demoRoot();
  const model = join(root, 'model');
  if (!existsSync(join(model, 'model.safetensors'))) {
    throw new UserError(`The demo model is missing from ${model}. Rebuild it with "npm run demo:model" (about 15 minutes).`);
  }
  return {
    model,
    data: join(root, 'corpora', domain),
    domain,
    general: join(root, 'corpora', 'general'),
    domainQa: join(root, 'qa', `${domain}.jsonl`),
    generalQa: join(root, 'qa', 'general.jsonl'),
    domainTasks: DEMO_TASKS[domain],
    generalTasks: DEMO_TASKS.general,
    out,
    baselines: BASELINES,
    ...DEMO_SETTINGS,
  };
}

export function runDemo(domain: Domain, out: string, control: TaskControl = {}): Promise<RunResult> {
  return runPipeline(demoOptions(domain, out), control);
}
