/**
 * Training checkpoints: OUT/checkpoints/step-NNNNNNNN/ with
 *   model.safetensors   trained weights (Hugging Face names) and optimizer state, F32
 *   state.json          step, data position, history, settings (the trainer's state)
 *   manifest.json       size and SHA-256 of the two files above, written last
 * The folder is built under a temporary name and renamed into place, so a crash leaves either
 * no new checkpoint or a complete one; the manifest also catches damage after the fact (a
 * truncated copy, a disk error). Only a checkpoint whose files match its manifest is ever
 * offered for resuming; others are named in the log and skipped.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_PREFIX, writeFolderAtomic, writeJsonAtomic } from '../fs/atomic.js';
import { hashFolder, type FileHash } from '../fs/hash-folder.js';
import { SafetensorsFile } from '../model/safetensors-file.js';
import { SafetensorsWriter, SINGLE_FILE } from '../model/safetensors-writer.js';

export const CHECKPOINTS_FOLDER = 'checkpoints';
const STATE_FILE = 'state.json';
const MANIFEST_FILE = 'manifest.json';
const MANIFEST_VERSION = 1;
const FOLDER_PATTERN = /^step-(\d{8})$/;

interface Manifest {
  version: number;
  step: number;
  files: FileHash[];
}

export interface FoundCheckpoint {
  dir: string;
  step: number;
}

/** A tensor as checkpoints store it. */
export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export function checkpointFolder(root: string, step: number): string {
  return join(root, `step-${String(step).padStart(8, '0')}`);
}

/** Writes a complete checkpoint for `step`, then deletes all but the newest `keep`. */
export async function saveCheckpoint(root: string, step: number, state: unknown, tensors: readonly NamedTensor[], keep: number): Promise<string> {
  const dir = checkpointFolder(root, step);
  await writeFolderAtomic(dir, async (tmp) => {
    const writer = await SafetensorsWriter.create(
      tmp,
      tensors.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: t.shape })),
    );
    try {
      for (const t of tensors) await writer.writeTensor(t.name, t.data);
    } catch (e) {
      await writer.abort();
      throw e;
    }
    await writer.finish();
    await writeJsonAtomic(join(tmp, STATE_FILE), state);
    const manifest: Manifest = { version: MANIFEST_VERSION, step, files: (await hashFolder(tmp)).files };
    await writeJsonAtomic(join(tmp, MANIFEST_FILE), manifest);
  });
  const older = (await listCheckpoints(root)).slice(keep);
  for (const c of older) await rm(c.dir, { recursive: true, force: true });
  // A checkpoint being written when the process was killed stays behind under its temporary name.
  for (const name of await readdir(root)) if (name.startsWith(TEMP_PREFIX)) await rm(join(root, name), { recursive: true, force: true });
  return dir;
}

/** The newest checkpoint whose files match its manifest; every damaged newer one is reported through `log`. */
export async function latestValidCheckpoint(root: string, log: (line: string) => void): Promise<FoundCheckpoint | null> {
  for (const c of await listCheckpoints(root)) {
    const problem = await checkpointProblem(c);
    if (problem === null) return c;
    log(`Ignoring the incomplete or damaged checkpoint ${c.dir}: ${problem}.`);
  }
  return null;
}

export async function readCheckpoint<State>(dir: string): Promise<{ state: State; tensors: Map<string, Float32Array> }> {
  const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as State;
  const file = await SafetensorsFile.open(join(dir, SINGLE_FILE));
  try {
    const tensors = new Map<string, Float32Array>();
    for (const name of file.tensors.keys()) tensors.set(name, await file.readFloat32(name));
    return { state, tensors };
  } finally {
    await file.close();
  }
}

/** Checkpoint folders under root, newest first. */
async function listCheckpoints(root: string): Promise<FoundCheckpoint[]> {
  const names = await readdir(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names
    .map((name) => ({ name, match: FOLDER_PATTERN.exec(name) }))
    .filter((c) => c.match !== null)
    .map((c) => ({ dir: join(root, c.name), step: Number(c.match![1]) }))
    .sort((a, b) => b.step - a.step);
}

/** Why a checkpoint cannot be trusted, or null when every file matches the manifest. */
async function checkpointProblem(c: FoundCheckpoint): Promise<string | null> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(c.dir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it has no manifest' : 'its manifest is unreadable';
  }
  if (manifest.version !== MANIFEST_VERSION || manifest.step !== c.step || !Array.isArray(manifest.files)) return 'its manifest does not describe it';
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const required of [SINGLE_FILE, STATE_FILE]) if (!listed.has(required)) return `its manifest lacks ${required}`;
  for (const f of manifest.files) {
    const size = await stat(join(c.dir, f.path)).then(
      (s) => s.size,
      () => null,
    );
    if (size === null) return `${f.path} is missing`;
    if (size !== f.bytes) return `${f.path} has ${size} bytes, the manifest says ${f.bytes}`;
  }
  const actual = new Map((await hashFolder(c.dir)).files.map((f) => [f.path, f.sha256]));
  for (const f of manifest.files) if (actual.get(f.path) !== f.sha256) return `${f.path} does not match its SHA-256`;
  return null;
}
