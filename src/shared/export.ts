/** What an export (`slayer export`, the Export step) reports. Written by src/main/export. */
import { WEIGHT_DTYPES, type WeightDtype } from './estimate.js';

/** peft: the LoRA adapter of a LoRA-trained model, unmerged, as a PEFT folder. */
export const EXPORT_FORMATS = ['hf', 'gguf', 'llamafactory', 'axolotl', 'peft'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_DTYPES = WEIGHT_DTYPES;

export type GgufArchitecture = 'llama' | 'qwen2';
export type GgufTokenizerModel = 'llama' | 'gpt2';

/** What reading a written GGUF file back compared with its source. */
export interface GgufVerification {
  metadataKeys: number;
  tensors: number;
  /** Elements compared over all tensors. */
  values: number;
}

/** Where the chat templates written into a GGUF file came from. */
export interface ChatTemplateSummary {
  source: string;
  hasDefault: boolean;
  names: string[];
}

export interface GgufExportResult {
  architecture: GgufArchitecture;
  tokenizer: GgufTokenizerModel;
  /** The chat templates carried into the file and where they came from; null when the model folder has none. */
  chatTemplates: ChatTemplateSummary | null;
  tensors: number;
  /** Hugging Face tensors left out because the model does not use them (e.g. rotary inv_freq buffers). */
  skippedTensors: string[];
  verification: GgufVerification | null;
  warnings: string[];
}

export interface ExportResult {
  format: ExportFormat;
  /** Absolute path of what was written. */
  out: string;
  /** Absolute paths of the files written. */
  files: string[];
  bytesWritten: number;
  seconds: number;
  /** Weight type of hf and gguf exports; null for hand-off configs. */
  dtype: WeightDtype | null;
  /** From slayer.json; null for a plain Hugging Face folder. */
  trainableLayers: number[] | null;
  gguf: GgufExportResult | null;
  warnings: string[];
}
