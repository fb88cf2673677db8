/**
 * `slayer export MODEL --format hf|gguf|llamafactory|axolotl --out PATH`: the model as a shareable
 * Hugging Face folder with a model card, a GGUF file for llama.cpp (verified by reading it back),
 * or a hand-off folder that trains exactly the plan's layers with LLaMA-Factory or Axolotl.
 */
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { exportSchema } from '../../shared/commands/export.js';
import { exportModel, type ExportResult } from '../../main/export/index.js';
import { requireRoomForJob } from '../../main/estimate/job.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';

const USAGE = 'slayer export MODEL --format hf|gguf|llamafactory|axolotl|peft --out PATH [options] [--json]';

export const exportCommand: Command<ExportResult> = {
  usage: USAGE,
  details: [
    'hf            PATH is a folder: config, tokenizer, safetensors in --dtype (default: as stored), slayer.json and README.md',
    '              (model card with the layer map, data hashes and metrics).',
    'gguf          PATH is a file: llama.cpp GGUF v3 (llama or qwen2 architecture, f32/f16/bf16, tokenizer included,',
    '              chat templates from chat_template.jinja or tokenizer_config.json).',
    '              The file is read back and every tensor and metadata value compared with the source before it is',
    '              moved into place; --no-verify skips that.',
    'llamafactory  PATH is a folder: LLaMA-Factory config, launcher, dataset registry, DeepSpeed ZeRO-2 config and',
    'axolotl       README-handoff.md (or the Axolotl equivalents), training exactly the trainable layers in slayer.json.',
    'peft          PATH is a folder: the LoRA adapter of a model trained with --lora, unmerged, as PEFT saves it.',
    'An existing PATH is refused unless --force, which replaces it only once the export is complete.',
  ],
  options: parseArgsOptions(exportSchema),
  optionHelp: helpLines(exportSchema),
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder (MODEL)', USAGE);
    const { modelDir, ...options } = parseFlags(exportSchema, values, { modelDir: model }, USAGE);
    await requireRoomForJob('export', { modelDir, format: options.format, out: options.out, dtype: options.dtype });
    const result = await exportModel(modelDir, options, ctx);
    for (const w of result.warnings) ctx.info(`Warning: ${w}`);
    ctx.info(`Wrote ${result.out}`);
    return result;
  },
  format(r) {
    const lines = [`Exported (${r.format})  ${r.out}`];
    if (r.dtype) lines.push(`Weights           ${r.dtype}`);
    if (r.gguf) {
      lines.push(`Architecture      ${r.gguf.architecture}, tokenizer ${r.gguf.tokenizer}, ${r.gguf.tensors} tensors`);
      const chat = r.gguf.chatTemplates;
      const named = chat?.names.length ? `${chat.hasDefault ? ' default and' : ''} ${chat.names.join(', ')}` : '';
      lines.push(
        `Chat template     ${chat ? `carried over from ${chat.source}${named}` : 'none in the model folder (llama.cpp falls back to its own format)'}`,
      );
      const v = r.gguf.verification;
      lines.push(
        `Verified          ${v ? `yes: ${v.tensors} tensors (${v.values.toLocaleString('en-US')} values) and ${v.metadataKeys} metadata keys read back equal` : 'no (--no-verify)'}`,
      );
    }
    if (r.trainableLayers) lines.push(`Trainable layers  ${r.trainableLayers.join(', ') || 'none'}`);
    lines.push(`Files             ${r.files.length}, ${(r.bytesWritten / 2 ** 20).toFixed(1)} MiB in ${r.seconds.toFixed(1)} s`);
    return lines.join('\n');
  },
};
