/**
 * Models in the Hugging Face cache, where `huggingface-cli download` and every `from_pretrained`
 * leave them:
 *
 *   <cache>/models--ORG--NAME/refs/main                 the commit hash "main" points at
 *   <cache>/models--ORG--NAME/snapshots/<hash>/<file>   links into ../../blobs/<sha256>
 *
 * <cache> is HF_HUB_CACHE, else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 * ~/.cache/huggingface/hub (huggingface_hub's own rule). A snapshot folder is a model folder
 * like any other once links are followed. Listing reads configs and file sizes, never weights.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describeError } from '../../shared/errors.js';
import type { CachedModel } from '../../shared/model.js';
import { listEntries, type Entry } from '../fs/entries.js';
import { parseModelConfig } from './config.js';
import { INDEX_FILE } from './safetensors-writer.js';
import { modelParameters } from './tensors.js';
import { TOKENIZER_FILE } from './tokenizer.js';

const REPO_PREFIX = 'models--';

export function hfCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface', 'hub');
}

/** Every model snapshot in the cache that has a config.json: newest repository first, newest revision first within it. */
export async function listCachedModels(cacheDir: string = hfCacheDir()): Promise<CachedModel[]> {
  const repos = await readdir(cacheDir).catch(() => [] as string[]);
  const found: CachedModel[][] = [];
  for (const name of repos.filter((n) => n.startsWith(REPO_PREFIX))) {
    const repoDir = join(cacheDir, name);
    const refs = await readRefs(join(repoDir, 'refs'));
    const revisions = await readdir(join(repoDir, 'snapshots')).catch(() => [] as string[]);
    const models: CachedModel[] = [];
    for (const revision of revisions) {
      const model = await describeSnapshot(name.slice(REPO_PREFIX.length).replaceAll('--', '/'), revision, join(repoDir, 'snapshots', revision), refs);
      if (model) models.push(model);
    }
    models.sort((a, b) => b.modified.localeCompare(a.modified));
    if (models.length > 0) found.push(models);
  }
  found.sort((a, b) => b[0].modified.localeCompare(a[0].modified));
  return found.flat();
}

/** Commit hash -> the names of the refs (main, a branch, a tag) that point at it. */
async function readRefs(refsDir: string): Promise<Map<string, string[]>> {
  const byHash = new Map<string, string[]>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const e of await listEntries(dir).catch(() => [] as Entry[])) {
      if (e.kind === 'dir') await walk(e.path, `${prefix}${e.name}/`);
      else if (e.kind === 'file') {
        const hash = (await readFile(e.path, 'utf8')).trim();
        byHash.set(hash, [...(byHash.get(hash) ?? []), `${prefix}${e.name}`]);
      }
    }
  };
  await walk(refsDir, '');
  return byHash;
}

async function describeSnapshot(repo: string, revision: string, path: string, refs: Map<string, string[]>): Promise<CachedModel | null> {
  const entries = await listEntries(path).catch(() => null);
  const config = entries?.find((e) => e.name === 'config.json');
  if (!entries || !config) return null;
  const files = entries.filter((e) => e.kind === 'file');
  const model: CachedModel = {
    repo,
    revision,
    refs: refs.get(revision) ?? [],
    path,
    modified: (await stat(path)).mtime.toISOString(),
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    hasTokenizer: files.some((f) => f.name === TOKENIZER_FILE),
    architecture: null,
    layers: null,
    parameters: null,
    problem: null,
  };
  try {
    const json = JSON.parse(await readFile(config.path, 'utf8')) as { architectures?: unknown };
    if (Array.isArray(json.architectures) && typeof json.architectures[0] === 'string') model.architecture = json.architectures[0];
    const description = parseModelConfig(json, config.path);
    model.layers = description.layers;
    model.parameters = modelParameters(description);
    model.problem = await missingFiles(entries);
  } catch (e) {
    model.problem = describeError(e);
  }
  return model;
}

/** A broken link, no weights, or a shard the index lists that is not there: the download is incomplete. */
async function missingFiles(entries: readonly Entry[]): Promise<string | null> {
  const broken = entries.find((e) => e.kind === 'broken-link');
  if (broken) return `${broken.name} is a link to a file that is not in the cache (an interrupted download). Download the model again.`;
  const names = new Set(entries.filter((e) => e.kind === 'file').map((e) => e.name));
  const index = entries.find((e) => e.name === INDEX_FILE && e.kind === 'file');
  if (index) {
    const map = (JSON.parse(await readFile(index.path, 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
    const missing = [...new Set(Object.values(map))].filter((f) => !names.has(f));
    if (missing.length > 0)
      return `${missing.length} weight file${missing.length === 1 ? '' : 's'} of ${INDEX_FILE} ${missing.length === 1 ? 'is' : 'are'} missing (first: ${missing[0]}). Download the model again.`;
    return null;
  }
  if (![...names].some((n) => n.endsWith('.safetensors'))) return 'No .safetensors weights (only .safetensors checkpoints can be used).';
  return null;
}
