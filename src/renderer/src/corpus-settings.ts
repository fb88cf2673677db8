/**
 * The Corpus step's choices per project (documents folder, general-text folder, field, how web
 * pages are read, sequence length, split seed), kept in localStorage so they survive a reload.
 * The built corpus itself lives on disk; these are only what the form shows.
 */
import type { Domain, Project } from '../../shared/api';
import type { HtmlReading } from '../../shared/corpus';

export interface CorpusSettings {
  data: string | null;
  general: string | null;
  domain: Domain;
  /** How .html files are read; null follows the field (source in a code corpus, documents otherwise). */
  html: HtmlReading | null;
  seqLen: number;
  seed: number;
}

/** Sequence lengths offered: powers of two that cover small test models up to long-context training. */
export const SEQ_LENGTHS = [128, 256, 512, 1024, 2048, 4096] as const;
export const DEFAULT_SEQ_LEN = 512;

const key = (projectId: string) => `slayer-corpus:${projectId}`;

export function loadCorpusSettings(project: Project): CorpusSettings {
  const defaults: CorpusSettings = { data: null, general: null, domain: project.domain, html: null, seqLen: DEFAULT_SEQ_LEN, seed: 0 };
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
