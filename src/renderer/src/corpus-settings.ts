/**
 * The Corpus step's choices per project (documents folder, general-text folder, field, how web
 * pages are read, sequence length, split seed), kept in localStorage so they survive a reload.
 * The built corpus itself lives on disk; these are only what the form shows.
 */
import type { Domain, Project } from '../../shared/api';
import type { HtmlReading } from '../../shared/corpus';

/** A field mixed in besides the documents folder (built into the corpus's sources/NAME). */
export interface ExtraSource {
  name: string;
  data: string | null;
  weight: number;
  domain: Domain | null;
}

/** The documents folder's weight, the other sources, and the replay share of general text in percent. */
export interface MixtureForm {
  weight: number;
  sources: ExtraSource[];
  replayPercent: number;
}

export interface CorpusSettings {
  data: string | null;
  general: string | null;
  domain: Domain;
  /** How .html files are read; null follows the field (source in a code corpus, documents otherwise). */
  html: HtmlReading | null;
  seqLen: number;
  seed: number;
  mixture: MixtureForm;
}

/** The corpus job's parameters for the sources besides the documents folder. */
export interface MixtureParams {
  name?: Domain;
  weight?: number;
  sources?: { name: string; data: string; weight: number; domain: Domain | null }[];
  replay?: number;
}

/**
 * The corpus job's mixture parameters from the form (the documents folder is the first source,
 * named after the field); none for a corpus of one source without replay, as before mixtures.
 */
export function mixtureParams(s: CorpusSettings): MixtureParams {
  const sources = s.mixture.sources.filter((x) => x.data).map((x) => ({ name: x.name, data: x.data!, weight: x.weight, domain: x.domain }));
  const replay = s.general ? s.mixture.replayPercent / 100 : 0;
  if (sources.length === 0 && replay === 0) return {};
  return { name: s.domain, weight: s.mixture.weight, sources, replay };
}

/** Sequence lengths offered: powers of two that cover small test models up to long-context training. */
export const SEQ_LENGTHS = [128, 256, 512, 1024, 2048, 4096] as const;
export const DEFAULT_SEQ_LEN = 512;

const key = (projectId: string) => `slayer-corpus:${projectId}`;

export function loadCorpusSettings(project: Project): CorpusSettings {
  const defaults: CorpusSettings = {
    data: null,
    general: null,
    domain: project.domain,
    html: null,
    seqLen: DEFAULT_SEQ_LEN,
    seed: 0,
    mixture: { weight: 1, sources: [], replayPercent: 0 },
  };
  try {
    const saved = JSON.parse(localStorage.getItem(key(project.id)) ?? 'null') as Partial<CorpusSettings> | null;
    return { ...defaults, ...saved };
  } catch {
    return defaults;
  }
}

export function saveCorpusSettings(projectId: string, settings: CorpusSettings): void {
  localStorage.setItem(key(projectId), JSON.stringify(settings));
}
