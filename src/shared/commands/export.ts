/**
 * `slayer export` and the 'export' job: the model as a Hugging Face folder, a GGUF file, a
 * LLaMA-Factory or Axolotl hand-off, or a PEFT adapter. Every option declared once
 * (src/shared/command-schema.ts); the Export step shows the command line from the same object.
 */
import { z } from 'zod';
import { commandLine, flag } from '../command-schema.js';
import { EXPORT_DTYPES, EXPORT_FORMATS } from '../export.js';
import { path } from './common.js';

export const exportSchema = z.object({
  modelDir: path,
  format: flag(z.enum(EXPORT_FORMATS), {
    flag: 'format',
    value: EXPORT_FORMATS.join('|'),
    description: 'hf: a Hugging Face folder; gguf: a llama.cpp file; llamafactory, axolotl: a hand-off folder; peft: the LoRA adapter',
  }),
  out: flag(path, { flag: 'out', value: 'PATH', description: 'the folder (or, for gguf, the file) to write' }),
  dtype: flag(z.enum(EXPORT_DTYPES).optional(), {
    flag: 'dtype',
    value: EXPORT_DTYPES.join('|'),
    description: 'how the exported weights are stored (hf, gguf)',
    defaultText: 'as stored',
  }),
  verify: flag(z.boolean().default(true), {
    flag: 'no-verify',
    negates: true,
    description: 'gguf: skip reading the written file back and comparing every tensor and metadata value with the source',
  }),
  overwrite: flag(z.boolean().default(false), { flag: 'force', description: 'replace an existing PATH, once the export is complete' }),
});

export type ExportJobRequest = z.input<typeof exportSchema>;

/** The `slayer export` command line that writes the export `params`. */
export function exportCommandLine(params: ExportJobRequest): string {
  const parsed = exportSchema.parse(params);
  return commandLine(['slayer', 'export', parsed.modelDir], exportSchema, parsed);
}
