/**
 * Surgery: (source model folder, plan) -> a complete Hugging Face folder of the new model.
 *
 * Order of work, so that nothing is written for a request that cannot succeed and nothing
 * half-written is ever left behind:
 *   1. open the model (config and every tensor checked), validate the plan against it, check
 *      the output place and the free disk space;
 *   2. build the new folder under a temporary name: side files, config.json, the checkpoint
 *      tensor by tensor, the function check (new blocks are identities, the rest is the plan's
 *      composition of the base model), slayer.json;
 *   3. rename it into place (an existing folder is replaced only now).
 * Cancel or any failure in step 2 removes the temporary folder. The source is fingerprinted
 * (SHA-256 of every file) while the checkpoint is written, so the extra read overlaps the work.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isUserError, UserError } from '../../shared/errors.js';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import { writeFolderAtomic, writeJsonAtomic } from '../fs/atomic.js';
import { hashFolder } from '../fs/hash-folder.js';
import { outputApartFromModel } from '../fs/output-place.js';
import { ModelFolder } from '../model/folder.js';
import { validatePlan } from '../plan/index.js';
import { writeResultConfig } from './config.js';
import { requireFreeSpace, type StatfsProbe } from './disk-space.js';
import { checkFunction, type CheckedFunction } from './function-check.js';
import { sourceShardBytes } from '../model/write-model-weights.js';
import { outputTensors } from './recipes.js';
import { SURGERY_RECORD_FILE, surgeryRecord } from './record.js';
import { copySideFiles, listSideFiles } from './side-files.js';
import { writeWeights } from './write-weights.js';
import type { ApplyResult } from '../../shared/surgery.js';

export interface ApplyOptions extends TaskControl {
  /** Replace an existing output folder (only once the new one is complete). */
  overwrite?: boolean;
  /** How error messages name the plan, e.g. its file. */
  planName?: string;
  /** Free-space probe (default fs.statfs); tests pass a fake. */
  statfs?: StatfsProbe;
}

export type { ApplyResult } from '../../shared/surgery.js';

/** Share of the progress bar for writing weights; the function check (up to three streamed forward passes) takes the rest. */
const WEIGHTS_SHARE_WITH_CHECK = 0.8;

/** Room for safetensors headers, the index, config.json and slayer.json beyond the tensor data. */
const METADATA_HEADROOM_BYTES = 1 << 20;

/**
 * Writes the model that `plan` describes to `outDir`. The plan is any plan document (a Plan
 * from makePlan, or the JSON of a plan file): it is validated against the model before anything
 * is written.
 */
export async function applyPlan(modelDir: string, plan: unknown, outDir: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const started = performance.now();
  const out = resolve(outDir);
  const folder = await ModelFolder.open(modelDir);
  try {
    const m = folder.description;
    const checked = validatePlan(plan, m, options.planName);
    await checkOutputPlace(modelDir, outDir, options.overwrite === true);
    const tensors = outputTensors(folder, checked);
    const sideFiles = await listSideFiles(modelDir);
    const needed = [...tensors, ...sideFiles].reduce((n, t) => n + t.bytes, METADATA_HEADROOM_BYTES);
    await requireFreeSpace(outDir, needed, options.statfs);

    const stopHashing = new AbortController();
    const hashSignals = options.signal ? [options.signal, stopHashing.signal] : [stopHashing.signal];
    const hashing = hashFolder(modelDir, { signal: AbortSignal.any(hashSignals) });
    // Observed from the start: a failure while the checkpoint is written is reported there, not as an unhandled rejection.
    hashing.catch(() => {});
    try {
      const { record, bytesWritten } = await writeFolderAtomic(out, async (tmp) => {
        await copySideFiles(modelDir, sideFiles, tmp);
        await writeResultConfig(modelDir, checked, tmp);
        await writeWeights(folder, tensors, tmp, sourceShardBytes(folder), progressSpan(options, 0, WEIGHTS_SHARE_WITH_CHECK));
        const functionCheck = await checkFunction(folder, tmp, checked, progressSpan(options, WEIGHTS_SHARE_WITH_CHECK, 1));
        if (!functionCheck.passed) throw functionCheckFailure(functionCheck);

        options.onProgress?.({ fraction: 1, message: 'Fingerprinting the source model (SHA-256 of its files)' });
        const record = surgeryRecord(checked, modelDir, (await hashing).files, functionCheck);
        await writeJsonAtomic(join(tmp, SURGERY_RECORD_FILE), record);
        return { record, bytesWritten: await folderBytes(tmp) };
      }).catch((e: unknown) => {
        throw plainWriteError(e, outDir);
      });
      return {
        out,
        layers: record.layers,
        parameters: record.parameters,
        trainableLayers: record.trainableLayers,
        functionCheck: record.functionCheck,
        bytesWritten,
        seconds: (performance.now() - started) / 1000,
        sourceSha256: record.source.sha256,
      };
    } finally {
      // On failure the hash is still reading the source: stop it before returning.
      stopHashing.abort();
      await hashing.catch(() => {}); // stopped on purpose: only the surgery's own outcome matters now
    }
  } finally {
    await folder.close();
  }
}

/** An existing output is replaced only when asked, and only once the new model is complete. */
async function checkOutputPlace(modelDir: string, outDir: string, overwrite: boolean): Promise<void> {
  const existing = await outputApartFromModel(modelDir, outDir);
  if (existing && !existing.isDirectory()) throw new UserError(`${outDir} is a file. Choose a folder name for the new model.`);
  if (existing && !overwrite) {
    throw new UserError(`${outDir} already exists. Choose a new folder, or replace it with --force (the old folder stays until the new model is complete).`);
  }
}

function functionCheckFailure(check: CheckedFunction): UserError {
  const differ = (maxAbsDiff: number, tolerance: number, what: string) =>
    Number.isFinite(maxAbsDiff)
      ? `differ from ${what} by up to ${maxAbsDiff.toExponential(2)} (allowed ${tolerance.toExponential(1)})`
      : `are not all finite numbers (NaN or infinity), so they cannot be confirmed equal to ${what}`;
  const nothing = "Nothing was written. Check the base model's weights for NaN or infinity, or report this with the plan and the model.";
  // NaN or infinity anywhere shows in both comparisons; it comes from the weights, not from the new blocks.
  if (check.newBlocks && !check.newBlocks.passed && Number.isFinite(check.maxAbsDiff)) {
    return new UserError(
      `Function check failed: the new blocks are not exact pass-throughs (the new model's logits ${differ(check.newBlocks.maxAbsDiff, check.newBlocks.tolerance, 'those without them')}). ${nothing}`,
    );
  }
  return new UserError(`Function check failed: the new model's logits ${differ(check.maxAbsDiff, check.tolerance, check.reference)}. ${nothing}`);
}

/** File-system failures (permission, disk filled meanwhile) as one line; everything else as it is. */
function plainWriteError(e: unknown, outDir: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (isUserError(e) || typeof code !== 'string') return e;
  return new UserError(`Writing the new model to ${outDir} failed (${code}); nothing was written. Check that the folder is writable and the disk has space.`);
}

async function folderBytes(dir: string): Promise<number> {
  const names = await readdir(dir);
  const sizes = await Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
  return sizes.reduce((a, b) => a + b, 0);
}
