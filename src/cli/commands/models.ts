/** `slayer models`: the models in the Hugging Face cache, ready to pass to every other command. */
import { hfCacheDir, listCachedModels } from '../../main/model/hf-cache.js';
import type { CachedModel } from '../../shared/model.js';
import { formatBytes } from '../../shared/units.js';
import type { Command } from '../command.js';

const USAGE = 'slayer models [--json]';

export interface ModelsResult {
  cacheDir: string;
  models: CachedModel[];
}

export const modelsCommand: Command<ModelsResult> = {
  usage: USAGE,
  details: [
    'The cache is HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. Newest first; each line ends with the',
    'folder to give as MODEL to the other commands. Only configs and file sizes are read, never weights.',
  ],
  options: {},
  async run() {
    const cacheDir = hfCacheDir();
    return { cacheDir, models: await listCachedModels(cacheDir) };
  },
  format(r) {
    if (r.models.length === 0) return `No models in ${r.cacheDir}. Download one with: huggingface-cli download ORG/NAME`;
    const lines = [`Models in ${r.cacheDir}:`, ''];
    for (const m of r.models) {
      const revision = `${m.revision.slice(0, 8)}${m.refs.length ? ` (${m.refs.join(', ')})` : ''}`;
      const shape = m.layers === null ? '' : `, ${m.layers} layers${m.parameters === null ? '' : `, ${(m.parameters / 1e9).toFixed(2)} B parameters`}`;
      lines.push(`${m.repo}  ${revision}`);
      lines.push(`  ${m.architecture ?? 'unknown architecture'}${shape}, ${formatBytes(m.bytes)}, tokenizer ${m.hasTokenizer ? 'yes' : 'no'}`);
      if (m.problem) lines.push(`  Cannot be used as it is: ${m.problem}`);
      lines.push(`  ${m.path}`);
    }
    return lines.join('\n');
  },
};
