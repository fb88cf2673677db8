/**
 * `slayer export`: a model folder (a surgery or training output, or any supported Hugging Face
 * folder) -> a shareable Hugging Face folder with a model card, a GGUF file for llama.cpp, or a
 * hand-off folder for LLaMA-Factory / Axolotl that trains exactly the plan's layers on a cluster.
 * Every format is written under a temporary name and moved into place only when complete.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { WeightDtype } from '../../shared/estimate.js';
import type { TaskControl } from '../../shared/progress.js';
import type { FloatDtype } from '../model/dtypes.js';
import { ModelFolder } from '../model/folder.js';
import { exportGguf, type GgufExportResult } from './gguf-export.js';
import { exportHandoff } from './handoff-export.js';
import { exportHf } from './hf-export.js';
import { exportPeftAdapter } from './peft-export.js';
import { checkOutputPlace } from './output-place.js';
import { readSlayerRecord } from './slayer-record.js';
import { EXPORT_DTYPES, EXPORT_FORMATS, type ExportFormat, type ExportResult } from '../../shared/export.js';

export { EXPORT_DTYPES, EXPORT_FORMATS, type ExportFormat, type ExportResult } from '../../shared/export.js';

export interface ExportOptions {
  format: ExportFormat;
  /** A folder (hf, llamafactory, axolotl) or a file (gguf). */
  out: string;
  /** hf and gguf: the weights' type; default: what the model is stored in. */
  dtype?: WeightDtype;
  /** gguf: read the file back and compare it with the source before moving it into place. Default true. */
  verify?: boolean;
  /** Replace an existing output, only once the new one is complete. */
  overwrite?: boolean;
}

export async function exportModel(modelDir: string, options: ExportOptions, control: TaskControl = {}): Promise<ExportResult> {
  const started = performance.now();
  const { format } = options;
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UserError(`Unknown export format "${String(format)}". Choose one of ${EXPORT_FORMATS.join(', ')}.`);
  }
  const writesWeights = format === 'hf' || format === 'gguf';
  if (options.dtype !== undefined && !writesWeights) throw new UserError(`--dtype applies to the hf and gguf formats only; ${format} writes training configs.`);
  if (options.dtype !== undefined && !(EXPORT_DTYPES as readonly string[]).includes(options.dtype)) {
    throw new UserError(`Unknown weight type "${String(options.dtype)}". Choose one of ${EXPORT_DTYPES.join(', ')}.`);
  }
  const out = resolve(options.out);
  const folder = await ModelFolder.open(modelDir);
  try {
    await checkOutputPlace(modelDir, out, format === 'gguf' ? 'file' : 'folder', options.overwrite === true);
    const m = folder.description;
    const record = await readSlayerRecord(folder.dir, m);
    const dtype: WeightDtype = options.dtype ?? (folder.dtype.toLowerCase() as WeightDtype);
    const tensorDtype = dtype.toUpperCase() as FloatDtype;
    const name = basename(resolve(modelDir));
    let files: string[];
    let gguf: GgufExportResult | null = null;
    const warnings: string[] = [];
    if (format === 'gguf') {
      await mkdir(dirname(out), { recursive: true });
      gguf = await exportGguf(folder, out, { dtype: tensorDtype, name, verify: options.verify ?? true }, control);
      files = [out];
      warnings.push(...gguf.warnings);
      if (gguf.skippedTensors.length > 0) {
        warnings.push(`Left out ${gguf.skippedTensors.length} tensor(s) the model does not use (first: ${gguf.skippedTensors[0]}).`);
      }
    } else if (format === 'hf') {
      await exportHf(folder, record, out, { dtype: tensorDtype, name }, control);
      files = (await readdir(out)).sort().map((f) => join(out, f));
    } else if (format === 'peft') {
      files = await exportPeftAdapter(folder.dir, out);
    } else {
      files = await exportHandoff(format, { modelPath: resolve(modelDir), description: m }, record, out);
    }
    const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
    return {
      format,
      out,
      files,
      bytesWritten: sizes.reduce((a, b) => a + b, 0),
      seconds: (performance.now() - started) / 1000,
      dtype: writesWeights ? dtype : null,
      trainableLayers: record?.trainableLayers ?? null,
      gguf,
      warnings,
    };
  } finally {
    await folder.close();
  }
}
