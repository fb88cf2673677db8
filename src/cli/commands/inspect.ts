/** `slayer inspect MODEL`: architecture, size and storage of a model folder, and whether it fits this machine. */
import { inspectModel } from '../../main/inspect/inspect.js';
import type { InspectResult, MemoryNeed } from '../../shared/model.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';
import { parseSize } from '../../shared/size.js';
import type { GpuReport } from '../../shared/compute.js';

const USAGE = 'slayer inspect MODEL [--gpu-memory SIZE] [--json]';

const size = (bytes: number) => (bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 30).toFixed(1)} GiB`);
const FIT_WORDS = { fits: 'fits', tight: 'tight', 'wont-fit': "won't fit" } as const;
const need = (n: MemoryNeed) => `${size(n.bytes)}, ${FIT_WORDS[n.fit]} (${n.assumes})`;

function gpuWords(r: GpuReport): string {
  if (!r.adapter) return `none (${r.problem})`;
  const a = r.adapter;
  const memory = a.memory ? `${size(a.memory.totalBytes)}${a.memory.source === 'shared' ? ' shared with the host' : ''}` : 'memory unknown';
  return `${a.name}; ${a.backend}${a.software ? ', software renderer' : ''}; ${a.shaderF16 ? 'fp16' : 'fp32 only'}; ${memory}`;
}

/** "analyse 20 MiB; train layout (a) 31 MiB (+ 2 MiB host), layout (b) ..." */
function gpuNeeds(n: InspectResult['gpu']['needs']): string {
  const layouts = n.train.map((e) => `layout (${e.layout === 'device' ? 'a' : 'b'}) ${size(e.device.totalBytes)} (+ ${size(e.host.totalBytes)} host)`);
  return `analyse ${size(n.analyse.device.totalBytes)}; train ${layouts.join(', ')}`;
}

export const inspectCommand: Command<InspectResult> = {
  usage: USAGE,
  details: [
    'MODEL is a Hugging Face folder: config.json, *.safetensors (with the index when sharded), tokenizer.json.',
    'Also the GPU jobs would use (name, graphics API, fp16, memory) and where --provider auto (the default) would run them, and why.',
  ],
  // Its one flag is read by hand: inspect starts without zod (the command schemas' library), as a test of the built CLI checks.
  options: { 'gpu-memory': { type: 'string' } },
  optionHelp: ["  --gpu-memory SIZE  the GPU's memory, for drivers that do not report it"],
  async run(positionals, values) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const gpuMemory = values['gpu-memory'];
    return inspectModel(model, undefined, typeof gpuMemory === 'string' ? parseSize(gpuMemory, 'gpu-memory') : undefined);
  },
  format(r) {
    const yesNo = (b: boolean) => (b ? 'yes' : 'no');
    return [
      `Architecture     ${r.architecture} (${r.family})`,
      `Layers           ${r.layers}`,
      `Hidden size      ${r.hiddenSize} (MLP ${r.intermediateSize}; ${r.heads} heads, ${r.kvHeads} KV heads, head size ${r.headDim})`,
      `Vocabulary       ${r.vocabSize} tokens; context ${r.maxPositionEmbeddings}`,
      `Parameters       ${r.parameters.toLocaleString('en-US')}`,
      `Stored as        ${r.dtype}, ${size(r.bytesOnDisk)} on disk; tied embeddings: ${yesNo(r.tiedEmbeddings)}`,
      `Tokenizer        ${yesNo(r.hasTokenizer)}`,
      `This machine     ${size(r.memory.machine.totalBytes)} memory, ${size(r.memory.machine.freeBytes)} free`,
      `Analyse needs    ${need(r.memory.analyse)}`,
      `Train needs      ${need(r.memory.train)}`,
      `GPU              ${gpuWords(r.gpu.report)}`,
      `On a GPU (${r.gpu.needs.analyse.precision})  ${gpuNeeds(r.gpu.needs)}`,
      `Analyse runs on  ${r.gpu.analyse.why}`,
      `Train runs on    ${r.gpu.train.why}`,
    ].join('\n');
  },
};
