/**
 * slayer.json: what a surgery output folder is and where it came from. Training reads the
 * trainable layers from it (`slayer train --trainable auto`); reports quote the plan, the source
 * fingerprint and the function check.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Plan } from '../../shared/plan.js';
import type { FileHash } from '../fs/hash-folder.js';
import { appVersion } from '../version.js';
import type { FunctionCheck } from './function-check.js';

export const SURGERY_RECORD_FILE = 'slayer.json';
const SURGERY_RECORD_VERSION = 1;

export interface SurgeryRecord {
  version: typeof SURGERY_RECORD_VERSION;
  tool: { name: string; version: string };
  source: {
    /** Absolute path of the base model folder at the time of surgery. */
    path: string;
    /** SHA-256 of the manifest below; see sourceDigest. */
    sha256: string;
    files: FileHash[];
  };
  plan: Plan;
  layers: number;
  parameters: number;
  /** 0-based indices, in the new model, of the blocks to train. */
  trainableLayers: number[];
  /** Embeddings, final norm and LM head are trained too. */
  trainGlobals: boolean;
  functionCheck: FunctionCheck;
}

export function surgeryRecord(plan: Plan, sourceDir: string, sourceFiles: FileHash[], functionCheck: FunctionCheck): SurgeryRecord {
  return {
    version: SURGERY_RECORD_VERSION,
    tool: { name: 'SLayer Studio', version: appVersion() },
    source: { path: resolve(sourceDir), sha256: sourceDigest(sourceFiles), files: sourceFiles },
    plan,
    layers: plan.counts.layers,
    parameters: plan.counts.parameters,
    trainableLayers: plan.layers.filter((l) => l.trainable).map((l) => l.index),
    trainGlobals: plan.trainGlobals,
    functionCheck,
  };
}

/**
 * One fingerprint for a whole folder: SHA-256 over "sha256  path\n" lines in path order, the
 * format of `sha256sum`, so it can be reproduced by hand for a folder without sub-folders:
 * `sha256sum * | sha256sum` (with LC_ALL=C so the order matches).
 */
function sourceDigest(files: readonly FileHash[]): string {
  return createHash('sha256')
    .update(files.map((f) => `${f.sha256}  ${f.path}\n`).join(''))
    .digest('hex');
}
