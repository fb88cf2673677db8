/**
 * Model folder -> one GGUF file that llama.cpp loads (llama or qwen2 architecture, F32/F16/BF16).
 * Written tensor by tensor under a temporary name, verified by reading it back (gguf-verify.ts),
 * then renamed into place; a failure or cancel at any point leaves nothing behind.
 * Tensors whose type does not change and whose rows are not permuted are copied byte for byte.
 */
import { rename } from 'node:fs/promises';
import { UserError } from '../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { tempPathFor } from '../fs/atomic.js';
import { encodeFloats, type FloatDtype } from '../model/dtypes.js';
import type { ModelFolder } from '../model/folder.js';
import { TOKENIZER_FILE } from '../model/tokenizer.js';
import { modelMetadata } from './gguf-metadata.js';
import { ggufArchitecture, ggufTensorPlan, plannedValues, type GgufTensorPlan } from './gguf-tensors.js';
import { tokenizerMetadata } from './gguf-tokenizer.js';
import { verifyGguf, type GgufVerification } from './gguf-verify.js';
import { GgufWriter, tensorBytes } from './gguf-write.js';
import type { GgufExportResult } from '../../shared/export.js';

export interface GgufExportOptions {
  dtype: FloatDtype;
  /** general.name */
  name: string;
  verify: boolean;
}

export type { GgufExportResult } from '../../shared/export.js';

export async function exportGguf(folder: ModelFolder, out: string, options: GgufExportOptions, control: TaskControl = {}): Promise<GgufExportResult> {
  const m = folder.description;
  const architecture = ggufArchitecture(m);
  if (!folder.hasTokenizer) {
    throw new UserError(
      `${folder.dir} has no ${TOKENIZER_FILE}; llama.cpp needs the tokenizer inside the GGUF file. Copy the model's tokenizer files into the folder first.`,
    );
  }
  const tokenizer = await tokenizerMetadata(folder.dir, m);
  const metadata = new Map([...modelMetadata(m, architecture, options.name, options.dtype), ...tokenizer.entries]);
  const plan = ggufTensorPlan(m, options.dtype);
  const phases = options.verify ? 2 : 1;

  const tmp = tempPathFor(out);
  const writer = await GgufWriter.create(
    tmp,
    metadata,
    plan.map((p) => p.gguf),
  );
  let verification: GgufVerification | null = null;
  try {
    const total = plan.reduce((n, p) => n + tensorBytes(p.gguf), 0);
    let done = 0;
    for (const p of plan) {
      throwIfCancelled(control.signal);
      control.onProgress?.({ fraction: done / total / phases, message: `Writing ${p.gguf.name}` });
      await writer.writeTensor(p.gguf.name, await ggufBytes(folder, p));
      done += tensorBytes(p.gguf);
    }
    await writer.close();
    if (options.verify) {
      verification = await verifyGguf(tmp, folder, plan, metadata, {
        signal: control.signal,
        onProgress: (u) => control.onProgress?.({ fraction: 0.5 + (u.fraction ?? 0) / 2, message: u.message }),
      });
    }
    await rename(tmp, out);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return {
    architecture,
    tokenizer: tokenizer.model,
    chatTemplates: tokenizer.chatTemplates,
    tensors: plan.length,
    skippedTensors: [...folder.extraTensors],
    verification,
    warnings: tokenizer.warnings,
  };
}

async function ggufBytes(folder: ModelFolder, p: GgufTensorPlan): Promise<Uint8Array> {
  const from = p.from;
  if ('tensor' in from && from.permuteHeads === null && folder.tensors.get(from.tensor)?.dtype === p.gguf.type) {
    return (await folder.readRawTensor(from.tensor)).bytes;
  }
  return encodeFloats(p.gguf.type, await plannedValues(folder, from));
}
