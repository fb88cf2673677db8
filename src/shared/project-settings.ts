/**
 * The per-project choices the wizard and `slayer run` share, kept in the project folder
 * (settings.json) so that they survive a reload, a second browser, a moved or duplicated project,
 * and so that a project started in the app can be finished on the command line and back.
 * One schema: it validates the file, fills in defaults and types the API.
 */
import { z } from 'zod';
import { domains, type Domain } from './domains.js';
import { HTML_READINGS } from './corpus.js';
import { DEFAULT_FORGETTING_THRESHOLD } from './report-findings.js';
import { PRUNE_RULES } from './plan.js';
import { BASELINES, DEFAULT_BASELINES } from './pipeline.js';
import { INSTRUCT_PACKINGS } from './instruct.js';
import { DEFAULTS } from './training.js';

export const PROJECT_SETTINGS_VERSION = 1;

/** Sequence lengths the Corpus step offers: powers of two from small test models to long-context training. */
export const SEQ_LENGTHS = [128, 256, 512, 1024, 2048, 4096] as const;
export const DEFAULT_SEQ_LEN = 512;

const path = z.string().min(1);

/** A field mixed in besides the documents folder (built into the corpus's sources/NAME). */
const extraSource = z.object({
  name: z.string(),
  data: path.nullable(),
  weight: z.number().nonnegative(),
  domain: z.enum(domains).nullable(),
});
export type ExtraSource = z.output<typeof extraSource>;

/** The documents folder's weight, the other sources, and the share of general text replayed in every batch, in percent. */
const mixture = z.object({
  weight: z.number().nonnegative().default(1),
  sources: z.array(extraSource).default([]),
  replayPercent: z.number().min(0).max(100).default(0),
});
export type MixtureForm = z.output<typeof mixture>;
const NO_MIXTURE: MixtureForm = { weight: 1, sources: [], replayPercent: 0 };

/**
 * The pipeline's settings: what every stage of `slayer run` and of the wizard's "Do the remaining
 * steps for me" uses besides the corpus (the recommended values by default). The CLI's flags
 * override them for one run.
 */
const pipeline = z.object({
  /** Optimizer steps of every training run (the same for S and the baselines, for a fair comparison). */
  steps: z.number().int().min(1).default(200),
  batch: z.number().int().min(1).default(8),
  lr: z.number().positive().max(10).default(1e-4),
  scoreSamples: z.number().int().min(1).default(64),
  evalSamples: z.number().int().min(1).default(64),
  baselines: z.array(z.enum(BASELINES)).default([...DEFAULT_BASELINES]),
  pruneRule: z.enum(PRUNE_RULES).default('deepest'),
  /** How many times each strategy is trained (seeds corpus.seed, +1, ...): the report gives mean ± standard deviation. */
  seeds: z.number().int().min(1).max(100).default(1),
  loraRank: z.number().int().min(1).nullable().default(null),
  /** Multiple-choice questions (JSONL) and benchmark tasks measured on every model. */
  domainQa: path.nullable().default(null),
  generalQa: path.nullable().default(null),
  domainTasks: z.array(path).default([]),
  generalTasks: z.array(path).default([]),
});
export type PipelineSettings = z.output<typeof pipeline>;

/** The Inject step's instruct stage (instruction examples after continued pre-training). */
const instruct = z.object({
  /** The instruction examples (.jsonl or .json), and held-out ones scored before and after. */
  data: path.nullable().default(null),
  heldOut: path.nullable().default(null),
  /** A .jinja template instead of the model's own. */
  template: path.nullable().default(null),
  packing: z.enum(INSTRUCT_PACKINGS).default('pack'),
  /** null: one pass over the examples. */
  steps: z.number().int().min(1).nullable().default(null),
  /** A smaller learning rate than continued pre-training: instruction data are few and the model already knows the field. */
  lr: z
    .number()
    .positive()
    .max(10)
    .default(DEFAULTS.lr / 2),
  batch: z.number().int().min(1).default(4),
  /** null: the corpus's sequence length. */
  seqLen: z.number().int().min(8).max(131072).nullable().default(null),
});
export type InstructSettings = z.output<typeof instruct>;

export const projectSettingsSchema = z.object({
  version: z.literal(PROJECT_SETTINGS_VERSION).default(PROJECT_SETTINGS_VERSION),
  corpus: z
    .object({
      /** The field's documents, and everyday text for the forgetting check. */
      data: path.nullable().default(null),
      general: path.nullable().default(null),
      /** How .html files are read; null follows the field (source in a code corpus, documents otherwise). */
      html: z.enum(HTML_READINGS).nullable().default(null),
      seqLen: z.number().int().min(8).max(131072).default(DEFAULT_SEQ_LEN),
      seed: z.number().int().min(0).default(0),
      mixture: mixture.default(NO_MIXTURE),
    })
    .default({ data: null, general: null, html: null, seqLen: DEFAULT_SEQ_LEN, seed: 0, mixture: NO_MIXTURE }),
  evaluation: z
    .object({
      forgettingLimit: z.number().positive().max(1).default(DEFAULT_FORGETTING_THRESHOLD),
    })
    .default({ forgettingLimit: DEFAULT_FORGETTING_THRESHOLD }),
  /** What the wizard's steps last started and chose, by purpose: job ids it shows again after a reload. */
  steps: z
    .object({
      /** Step runs by purpose ("evaluate", "generate", "export", "surgery-cost"): run name -> job id. */
      runs: z.record(z.string(), z.record(z.string(), z.string())).default({}),
      /** Whose domain scores the plan uses ("Use these scores in the plan"): a score job's id, or "stage:score-domain" for the pipeline's. */
      planScoresJob: z.string().nullable().default(null),
    })
    .default({ runs: {}, planScoresJob: null }),
  pipeline: pipeline.default(pipeline.parse({})),
  instruct: instruct.default(instruct.parse({})),
});

export type ProjectSettings = z.output<typeof projectSettingsSchema>;

/** A change to some sections: each given section's given fields replace the saved ones. */
export type ProjectSettingsPatch = { [K in Exclude<keyof ProjectSettings, 'version'>]?: Partial<ProjectSettings[K]> };

export const projectSettingsPatchSchema = z.object({
  corpus: projectSettingsSchema.shape.corpus.unwrap().partial().optional(),
  evaluation: projectSettingsSchema.shape.evaluation.unwrap().partial().optional(),
  steps: projectSettingsSchema.shape.steps.unwrap().partial().optional(),
  pipeline: pipeline.partial().optional(),
  instruct: instruct.partial().optional(),
});

export function defaultProjectSettings(): ProjectSettings {
  return projectSettingsSchema.parse({});
}

/** The saved settings with a patch applied section by section. */
export function patchProjectSettings(settings: ProjectSettings, patch: ProjectSettingsPatch): ProjectSettings {
  const next = { ...settings };
  for (const [section, fields] of Object.entries(patch) as [keyof ProjectSettingsPatch, object | undefined][]) {
    if (fields) (next as Record<string, unknown>)[section] = { ...settings[section], ...fields };
  }
  return projectSettingsSchema.parse(next);
}

/** The corpus job's parameters for the sources besides the documents folder. */
export interface MixtureParams {
  name?: Domain;
  weight?: number;
  sources?: { name: string; data: string; weight: number; domain: Domain | null }[];
  replay?: number;
}

/**
 * The corpus job's mixture parameters from the project's corpus settings (the documents folder
 * is the first source, named after the field); none for a corpus of one source without replay.
 */
export function mixtureParams(corpus: ProjectSettings['corpus'], domain: Domain): MixtureParams {
  const sources = corpus.mixture.sources.filter((x) => x.data).map((x) => ({ name: x.name, data: x.data!, weight: x.weight, domain: x.domain }));
  const replay = corpus.general ? corpus.mixture.replayPercent / 100 : 0;
  if (sources.length === 0 && replay === 0) return {};
  return { name: domain, weight: corpus.mixture.weight, sources, replay };
}
