/** Export's public API: write a model as a Hugging Face folder, a GGUF file, or trainer hand-off configs; read GGUF files. */
export { exportModel, EXPORT_FORMATS, EXPORT_DTYPES } from './export-model.js';
export type { ExportFormat, ExportOptions, ExportResult } from './export-model.js';
export type { GgufExportResult } from './gguf-export.js';
export type { GgufVerification } from './gguf-verify.js';
export { GgufFile } from './gguf-read.js';
export type { GgufValue, GgufTensorInfo } from './gguf-format.js';
