/**
 * A corpus of several sources, on disk. The first source is built where a single corpus would
 * be (OUT/corpus.json, with the general text when there is one), so everything that reads one
 * corpus reads this one's first source; each other source is its own built corpus in
 * OUT/sources/NAME/; OUT/mixture.json names them all with their weights and the replay share:
 *
 *   {"version": 1, "sources": [{"name": "code", "path": ".", "weight": 0.6},
 *                              {"name": "math", "path": "sources/math", "weight": 0.4}],
 *    "replay": 0.05}
 *
 * `slayer train --data OUT` (and the Inject step) read mixture.json and train on the mixture;
 * a corpus of one source without replay writes no mixture.json, exactly as before.
 */
import { readFile, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { CorpusMixture } from '../../shared/mixture.js';
import type { TaskControl } from '../../shared/progress.js';
import { progressSpan } from '../../shared/progress.js';
import { writeJsonAtomic } from '../fs/atomic.js';
import { saveCorpusReport } from './built-corpus.js';
import { buildCorpus, type CorpusOptions, type Domain } from './intake.js';
import { checkReplayShare, mixtureShares, resolveSources } from './mixture.js';
import type { CorpusReport } from './report.js';

export const MIXTURE_FILE = 'mixture.json';
export const SOURCES_FOLDER = 'sources';

export interface MixtureFile {
  sources: { name: string; path: string; weight: number }[];
  replay: number;
}

export interface CorpusSourceSpec {
  name?: string;
  data: string;
  weight?: number;
  /** The field of this source (how its web pages are read); default: the corpus's. */
  domain?: Domain | null;
}

/** The mixture OUT/mixture.json describes (paths resolved), or null when there is none. */
export async function readMixtureFile(dir: string): Promise<MixtureFile | null> {
  const file = join(dir, MIXTURE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  let json: { sources?: unknown; replay?: unknown };
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is damaged (${(e as Error).message.split('\n')[0]}). Build the corpus again.`);
  }
  if (!Array.isArray(json.sources) || json.sources.length === 0) throw new UserError(`${file} lists no sources. Build the corpus again.`);
  const sources = resolveSources(
    json.sources.map((s: { name?: unknown; path?: unknown; weight?: unknown }) => {
      if (typeof s?.path !== 'string' || typeof s.name !== 'string' || typeof s.weight !== 'number') {
        throw new UserError(`${file}: every source needs a "name", a "path" and a numeric "weight". Build the corpus again.`);
      }
      return { name: s.name, data: resolve(dir, s.path), weight: s.weight };
    }),
  );
  const replay = checkReplayShare(typeof json.replay === 'number' ? json.replay : 0);
  return { sources: sources.map((s) => ({ name: s.name, path: s.data, weight: s.weight })), replay };
}

/** Removes the mixture of an earlier build of OUT (a corpus of one source has none). */
export async function clearMixture(out: string): Promise<void> {
  await rm(join(out, MIXTURE_FILE), { force: true });
  await rm(join(out, SOURCES_FOLDER), { recursive: true, force: true });
}

/**
 * Builds every source (the first at OUT, the others under OUT/sources/NAME) and, for more than
 * one source or a replay share, OUT/mixture.json. Returns the first source's report and the mixture summary.
 */
export async function buildMixedCorpus(
  specs: readonly CorpusSourceSpec[],
  options: Omit<CorpusOptions, 'data' | 'domain'> & { domain?: Domain | null; replay?: number },
  out: string,
  control: TaskControl = {},
): Promise<{ report: CorpusReport; mixture: CorpusMixture | null }> {
  const sources = resolveSources(specs);
  const replay = checkReplayShare(options.replay ?? 0);
  const shares = mixtureShares(
    sources.map((s) => s.weight),
    replay,
  );
  if (replay > 0 && !options.general) {
    throw new UserError('A replay share needs general text to replay: add the general text (--general DATA), or set the replay share to 0.');
  }
  const reports: CorpusReport[] = [];
  for (const [k, source] of sources.entries()) {
    const report = await buildCorpus(
      { ...options, data: source.data, general: k === 0 ? options.general : null, domain: specs[k].domain ?? options.domain ?? null },
      progressSpan(control, k / sources.length, (k + 1) / sources.length, sources.length > 1 ? `Source ${source.name}` : undefined),
    );
    await saveCorpusReport(k === 0 ? out : join(out, SOURCES_FOLDER, source.name), report);
    reports.push(report);
  }
  if (sources.length === 1 && replay === 0) {
    await clearMixture(out);
    return { report: reports[0], mixture: null };
  }
  await writeJsonAtomic(join(out, MIXTURE_FILE), {
    version: 1,
    sources: sources.map((s, k) => ({ name: s.name, path: k === 0 ? '.' : relative(out, join(out, SOURCES_FOLDER, s.name)), weight: s.weight })),
    replay,
  });
  return {
    report: reports[0],
    mixture: {
      sources: sources.map((s, k) => ({
        name: s.name,
        data: s.data,
        weight: s.weight,
        share: shares[k],
        trainTokens: reports[k].split.train.tokens,
        validationTokens: reports[k].split.validation.tokens,
      })),
      replay: replay > 0 ? { share: replay, trainTokens: reports[0].split['general-train'].tokens } : null,
    },
  };
}
