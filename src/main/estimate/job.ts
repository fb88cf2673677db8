/**
 * The estimate a long job shows before it starts (time on this machine, disk it writes, whether it
 * fits), and the disk check that refuses it: one code path for the app (estimate.job, jobs.start)
 * and the command line (apply, train, export).
 */
import type { ModelDescription } from '../../shared/model.js';
import type { EstimatedJob, JobEstimate, MachineSpeed } from '../../shared/job-estimate.js';
import type { WeightDtype } from '../../shared/estimate.js';
import { readModelConfig } from '../model/config.js';
import { listEntries } from '../fs/entries.js';
import { blockParameters, globalParameters, modelParameters } from '../model/tensors.js';
import { readRecordJson } from '../surgery/read-record.js';
import { CORPUS_FILE } from '../data/built-corpus.js';
import { DEFAULTS } from '../../shared/training.js';
import type { CorpusReport, CorpusSplit } from '../../shared/corpus.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyWork, evalWork, exportWork, probeWork, scoreWork, trainShape, trainWork, type JobWork } from './work.js';
import { diskRefusal, freeBytesAt, requireDiskRoom, type Statfs } from './disk.js';

const WEIGHT_FILE = /\.(safetensors|bin|gguf|pt|pth)$/;
const WHAT: Record<EstimatedJob, string> = {
  score: 'The analysis',
  probe: 'The layer probes',
  eval: 'The evaluation',
  apply: 'Building the new model',
  train: 'Training',
  export: 'The export',
};
const PROVIDER_WORDS: Record<string, string> = { cpu: 'the CPU', webgpu: 'the GPU', cuda: 'the GPU' };

/** Bytes of a model folder's files besides its weights (config, tokenizer): copied into every new model folder. */
export async function besideWeightsBytes(modelDir: string): Promise<number> {
  const entries = await listEntries(modelDir).catch(() => []);
  return entries.filter((e) => e.kind === 'file' && !WEIGHT_FILE.test(e.name)).reduce((n, e) => n + e.bytes, 0);
}

type Params = Record<string, unknown>;
const numberOr = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);

/** Values that train in a model folder: slayer.json's trainable layers (auto), every value (all), or the listed blocks. */
async function trainedParameters(modelDir: string, m: ModelDescription, trainable: unknown): Promise<number> {
  if (Array.isArray(trainable)) return trainable.length * blockParameters(m);
  if (trainable === 'all') return modelParameters(m);
  const record = (await readRecordJson(modelDir, 'Run "slayer apply" again to rewrite it.').catch(() => null))?.json;
  const layers = Array.isArray(record?.trainableLayers) ? record.trainableLayers.length : m.layers;
  return layers * blockParameters(m) + (record?.trainGlobals === true ? globalParameters(m) : 0);
}

/**
 * Steps left to their default mean one pass over the training sequences: read from the built
 * corpus's report (corpus.json) when the data is one, as the trainer counts them.
 */
async function onePass(
  p: Params,
  given: { steps?: number; batch?: number; gradAccum?: number; seqLen?: number },
): Promise<{ steps?: number; seqLen?: number }> {
  if (given.steps !== undefined || typeof p.data !== 'string') return {};
  const report = (await readFile(join(p.data, CORPUS_FILE), 'utf8')
    .then((text) => JSON.parse(text) as CorpusReport)
    .catch(() => null)) as CorpusReport | null;
  const split = report?.split?.[(p.split as CorpusSplit | undefined) ?? 'train'];
  if (!report || !split) return {};
  const perStep = (given.batch ?? DEFAULTS.batch) * (given.gradAccum ?? DEFAULTS.gradAccum);
  return { steps: Math.max(1, Math.ceil(split.sequences / perStep)), seqLen: given.seqLen ?? report.seqLen };
}

/** The work and output of a job of `kind` with these (checked) parameters. */
export async function jobWork(kind: EstimatedJob, p: Params, m: ModelDescription): Promise<JobWork> {
  const modelDir = String(p.modelDir);
  switch (kind) {
    case 'score':
      return scoreWork(m, numberOr(p.samples, 64), numberOr(p.seqLen, 128));
    case 'probe':
      return probeWork(m, numberOr(p.samples, 32), numberOr(p.seqLen, 128));
    case 'eval':
      return evalWork(m, numberOr(p.samples, 0), numberOr(p.seqLen, 512));
    case 'apply': {
      const counts = (p.plan as { counts?: { parameters?: unknown } } | undefined)?.counts;
      return applyWork(m, numberOr(counts?.parameters, modelParameters(m)), await besideWeightsBytes(modelDir));
    }
    case 'train': {
      const given = p as Parameters<typeof trainShape>[0];
      const shape = trainShape({ ...given, ...(await onePass(p, given)) }, await trainedParameters(modelDir, m, p.trainable));
      return trainWork(m, shape, await besideWeightsBytes(modelDir));
    }
    case 'export':
      return exportWork(m, String(p.format), p.dtype as WeightDtype | undefined, await besideWeightsBytes(modelDir));
  }
}

/** The provider a job would be timed on: the one asked for, else (auto) a measured GPU, else the CPU. */
function pickRate(rates: Record<string, number>, asked: unknown): [string, number] | null {
  const order = asked && asked !== 'auto' ? [String(asked)] : ['webgpu', 'cuda', 'cpu'];
  for (const name of order) if (rates[name]) return [name, rates[name]];
  return null;
}

/** Seconds for the work at this machine's speed, and where the figure comes from. */
export function jobTime(kind: EstimatedJob, work: JobWork, speed: MachineSpeed, provider: unknown): { seconds: number | null; basis: string } {
  const from = (what: string) => `From this machine's speed measured by earlier ${what} in this data folder`;
  if (kind === 'apply' || kind === 'export') {
    const rate = speed.write[kind];
    if (!rate)
      return {
        seconds: null,
        basis: `No earlier ${kind === 'apply' ? 'new model was built' : 'export ran'} in this data folder: the first one measures this machine's disk speed.`,
      };
    return { seconds: work.bytes / rate, basis: `${from(kind === 'apply' ? 'builds' : 'exports')}.` };
  }
  if (kind === 'eval' && work.forward === 0)
    return { seconds: null, basis: 'The time depends on how many samples the documents give; it is measured as the evaluation runs.' };
  const training = kind === 'train';
  if (training && work.train === 0) return { seconds: null, basis: 'One pass over the documents: set the number of steps to see the time.' };
  const picked = pickRate(training ? speed.train : speed.forward, provider);
  if (!picked) {
    return {
      seconds: null,
      basis: training
        ? "No training has run in this data folder yet: the first one measures this machine's speed (shown as it runs)."
        : "No analysis or evaluation has run in this data folder yet: the first one measures this machine's speed.",
    };
  }
  const [name, rate] = picked;
  return {
    seconds: (training ? work.train : work.forward) / rate,
    basis: `${from(training ? 'training runs' : 'analyses and evaluations')}, on ${PROVIDER_WORDS[name] ?? name}.`,
  };
}

/** Where a job writes, for the free-space check; null for jobs that write nothing big. */
export function outputOf(kind: EstimatedJob, p: Params): string | null {
  return (kind === 'apply' || kind === 'train' || kind === 'export') && typeof p.out === 'string' ? p.out : null;
}

export async function estimateJob(kind: EstimatedJob, p: Params, speed: MachineSpeed, statfs?: Statfs): Promise<JobEstimate> {
  const m = await readModelConfig(String(p.modelDir));
  const work = await jobWork(kind, p, m);
  const { seconds, basis } = jobTime(kind, work, speed, p.provider);
  const out = outputOf(kind, p);
  const freeBytes = out ? await freeBytesAt(out, statfs) : null;
  const refusal = out && freeBytes !== null ? diskRefusal(WHAT[kind], out, work.bytes, freeBytes) : null;
  return { kind, seconds, basis, diskBytes: work.bytes, freeBytes, refusal };
}

/**
 * Refuses a job whose output will not fit on disk, in one plain line, before anything is loaded
 * or written (jobs.start in main, and `slayer apply`, `train`, `export`). Returns the bytes it needs.
 */
export async function requireRoomForJob(kind: EstimatedJob, p: Params, statfs?: Statfs): Promise<number> {
  const out = outputOf(kind, p);
  if (!out) return 0;
  // A model folder that cannot be read is left to the job itself, which says what is wrong with it.
  const m = await readModelConfig(String(p.modelDir)).catch(() => null);
  if (!m) return 0;
  const { bytes } = await jobWork(kind, p, m);
  await requireDiskRoom(WHAT[kind], out, bytes, statfs);
  return bytes;
}

/** The model's parameters, for the speed measurement; null when its folder or config is gone. */
export async function parametersOf(modelDir: string): Promise<number | null> {
  try {
    return modelParameters(await readModelConfig(modelDir));
  } catch {
    return null;
  }
}
