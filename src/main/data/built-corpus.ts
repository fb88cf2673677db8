/**
 * A built corpus on disk: the folder `slayer corpus --out DIR` writes. DIR/corpus.json is the
 * corpus report (statistics, split settings, cache key); the token cache it names holds the
 * tokens. Training and evaluation read a split from it with the split settings recorded here,
 * so validation documents can never leak into training through a different seed.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { writeJsonAtomic } from '../fs/atomic.js';
import type { IntakeSummary } from './intake.js';
import type { CorpusReport } from './report.js';
import { TokenCache } from './token-cache.js';

export const CORPUS_FILE = 'corpus.json';

/** Writes DIR/corpus.json; the cache folder is recorded relative to DIR when inside it, so DIR can be moved. */
export async function saveCorpusReport(outDir: string, report: CorpusReport): Promise<string> {
  const file = join(outDir, CORPUS_FILE);
  const rel = relative(resolve(outDir), resolve(report.cacheDir));
  const cacheDir = rel.startsWith('..') || isAbsolute(rel) ? resolve(report.cacheDir) : rel;
  await writeJsonAtomic(file, { ...report, cacheDir });
  return file;
}

/** The built corpus at `path` (its folder or its corpus.json), or null when `path` is raw data. */
export async function openBuiltCorpus(path: string): Promise<{ report: CorpusReport; cache: TokenCache<IntakeSummary> } | null> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, CORPUS_FILE);
    else if (!path.endsWith(CORPUS_FILE)) return null;
  } catch {
    return null;
  }
  let report: CorpusReport;
  try {
    report = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`${file} is damaged (${(e as Error).message.split('\n')[0]}). Run "slayer corpus" again to rebuild it.`);
  }
  // A corpus.json that is not ours (no cache reference) leaves the folder to be read as raw data.
  if (typeof report !== 'object' || report === null || typeof report.cacheDir !== 'string' || typeof report.cacheKey !== 'string') return null;
  const cacheDir = resolve(dirname(file), report.cacheDir);
  const cache = await TokenCache.open<IntakeSummary>(cacheDir);
  if (!cache) throw new UserError(`The token cache of ${file} (${cacheDir}) is missing or incomplete. Run "slayer corpus" again to rebuild it.`);
  return { report, cache };
}
