/**
 * A project folder as the pipeline's input: project.json (model, field) and settings.json
 * (corpus, pipeline settings, forgetting limit) give every option `slayer run` needs, so the app's
 * stage jobs and `slayer run --out PROJECT` run the same stages with the same inputs, and a run
 * started by one is finished by the other. `slayer run` with flags writes the same two files, so
 * a project it made opens in the app with its choices.
 */
import { basename, join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { mixtureParams, patchProjectSettings, type ProjectSettings } from '../../shared/project-settings.js';
import { PLAN_FILE, PROJECT_FILE, SETTINGS_FILE } from '../../shared/project-layout.js';
import { existsSync } from 'node:fs';
import { UserError } from '../../shared/errors.js';
import { readProjectIn, readSettingsIn, type StoredProject } from '../projects/store.js';
import { writeJsonAtomic } from '../fs/atomic.js';
import type { RunOptions } from './run.js';

export type ProjectRunOptions = { options: RunOptions; missing: null } | { options: null; missing: string };

/** The run options a project folder's files give, or one line saying what to choose first. */
export async function projectRunOptions(projectDir: string): Promise<ProjectRunOptions> {
  const dir = resolve(projectDir);
  const project = await readProjectIn(dir);
  if (!project) return { options: null, missing: `${dir} is not a project folder (it has no ${PROJECT_FILE}).` };
  const settings = await readSettingsIn(dir);
  const { corpus, pipeline } = settings;
  if (!project.modelDir) return { options: null, missing: 'Choose the model first (step 1, Model).' };
  if (!corpus.data) return { options: null, missing: "Choose your field's documents first (step 2, Corpus)." };
  if (!corpus.general) return { options: null, missing: 'Choose the general text for the forgetting check first (step 2, Corpus).' };
  const mix = mixtureParams(corpus, project.domain);
  const data =
    mix.sources === undefined
      ? corpus.data
      : [
          { name: mix.name, data: corpus.data, weight: mix.weight },
          ...mix.sources.map((s) => ({ name: s.name, data: s.data, weight: s.weight, domain: s.domain })),
        ];
  return {
    missing: null,
    options: {
      model: project.modelDir,
      data,
      replay: mix.replay || undefined,
      domain: project.domain,
      general: corpus.general,
      html: corpus.html,
      out: dir,
      domainQa: pipeline.domainQa,
      generalQa: pipeline.generalQa,
      domainTasks: pipeline.domainTasks,
      generalTasks: pipeline.generalTasks,
      seqLen: corpus.seqLen,
      seed: corpus.seed,
      seeds: pipeline.seeds,
      steps: pipeline.steps,
      batch: pipeline.batch,
      lr: pipeline.lr,
      baselines: pipeline.baselines,
      pruneRule: pipeline.pruneRule,
      loraRank: pipeline.loraRank ?? undefined,
      scoreSamples: pipeline.scoreSamples,
      evalSamples: pipeline.evalSamples,
      forgettingLimit: settings.evaluation.forgettingLimit,
      planFile: existsSync(join(dir, PLAN_FILE)) ? join(dir, PLAN_FILE) : null,
    },
  };
}

/** The options of a project folder, or a UserError saying what to choose first. */
export async function requireProjectRunOptions(projectDir: string): Promise<RunOptions> {
  const r = await projectRunOptions(projectDir);
  if (r.missing !== null) throw new UserError(r.missing);
  return r.options;
}

/**
 * Writes what a run used into the project folder: project.json when there is none (named after
 * the folder), and settings.json's corpus and pipeline sections, so the app and the next
 * `slayer run --out PROJECT` start from the same choices.
 */
export async function recordRunOptions(o: RunOptions): Promise<void> {
  const dir = resolve(o.out);
  await mkdir(dir, { recursive: true });
  const now = new Date().toISOString();
  const existing = await readProjectIn(dir);
  const project: StoredProject = existing
    ? { ...existing, domain: o.domain, modelDir: resolve(o.model), updatedAt: now }
    : { id: basename(dir), name: basename(dir), domain: o.domain, createdAt: now, updatedAt: now, modelDir: resolve(o.model) };
  await writeJsonAtomic(join(dir, PROJECT_FILE), project);
  const sources = typeof o.data === 'string' ? [{ data: o.data }] : o.data;
  const [first, ...rest] = sources;
  const settings: ProjectSettings = patchProjectSettings(await readSettingsIn(dir), {
    corpus: {
      data: resolve(first.data),
      general: resolve(o.general),
      html: o.html ?? null,
      seqLen: o.seqLen,
      seed: o.seed,
      mixture: {
        weight: first.weight ?? 1,
        sources: rest.map((s, k) => ({ name: s.name ?? `source-${k + 2}`, data: resolve(s.data), weight: s.weight ?? 1, domain: s.domain ?? null })),
        replayPercent: (o.replay ?? 0) * 100,
      },
    },
    pipeline: {
      steps: o.steps,
      batch: o.batch,
      lr: o.lr,
      scoreSamples: o.scoreSamples,
      evalSamples: o.evalSamples,
      baselines: [...o.baselines],
      pruneRule: o.pruneRule ?? 'deepest',
      seeds: o.seeds ?? 1,
      loraRank: o.loraRank ?? null,
      domainQa: o.domainQa ? resolve(o.domainQa) : null,
      generalQa: o.generalQa ? resolve(o.generalQa) : null,
      domainTasks: [...(o.domainTasks ?? [])],
      generalTasks: [...(o.generalTasks ?? [])],
    },
    ...(o.forgettingLimit ? { evaluation: { forgettingLimit: o.forgettingLimit } } : {}),
  });
  await writeJsonAtomic(join(dir, SETTINGS_FILE), settings);
}
