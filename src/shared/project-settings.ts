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
      /** The score job whose domain scores the plan uses ("Use these scores in the plan"). */
      planScoresJob: z.string().nullable().default(null),
    })
    .default({ runs: {}, planScoresJob: null }),
});

export type ProjectSettings = z.output<typeof projectSettingsSchema>;

/** A change to some sections: each given section's given fields replace the saved ones. */
export type ProjectSettingsPatch = { [K in Exclude<keyof ProjectSettings, 'version'>]?: Partial<ProjectSettings[K]> };

export const projectSettingsPatchSchema = z.object({
  corpus: projectSettingsSchema.shape.corpus.unwrap().partial().optional(),
  evaluation: projectSettingsSchema.shape.evaluation.unwrap().partial().optional(),
  steps: projectSettingsSchema.shape.steps.unwrap().partial().optional(),
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
