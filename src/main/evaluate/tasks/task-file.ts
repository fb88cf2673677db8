/**
 * Reading a task: `--task` takes a task file (*.json, described in docs/evaluation.md), a JSONL
 * file of benchmark records whose format is recognised from its fields (the JSONL exports of
 * the Hugging Face datasets lm-evaluation-harness reads: ARC, HellaSwag, MMLU, WinoGrande,
 * TruthfulQA, GSM8K, HumanEval, MBPP, MultiPL-E; or this project's QA lines), or
 * "bundled:NAME" for a set shipped with the app (bundled.ts). A task file:
 *
 *   {
 *     "name": "arc-challenge",                   default: the file's name
 *     "format": "arc",                           default: recognised from the first record
 *     "data": "ARC-Challenge-test.jsonl",        relative to the task file
 *     "limit": 200,                              the first N records only
 *     "description": "...",                      text before the examples (default: the format's)
 *     "fewshot": { "k": 25, "from": "ARC-Challenge-train.jsonl", "sampler": "random", "seed": 1234 },
 *     "generation": { "maxTokens": 256, "until": ["Question:"], "temperature": 0, "topK": 0, "topP": 1, "seed": 0 },
 *     "answer": { "strict": "#### (\\-?[0-9\\.\\,]+)", "flexible": "...", "group": 0, "ignore": [","], "ignoreCase": true },
 *     "sandbox": { "timeoutSeconds": 10, "memoryMB": 1024 },
 *     "bos": "tokenizer"
 *   }
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { BOS_POLICIES, TASK_FORMATS, type BosPolicy, type FewshotSampler, type GenerationSettings } from '../../../shared/evaluation.js';
import { isUserError, UserError } from '../../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../../shared/progress.js';
import { BadLines, jsonlRecords, type BadLinePolicy } from '../../data/jsonl.js';
import { FEWSHOT_SEED, recordKey, type PoolDoc } from './few-shot.js';
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from './sandbox.js';
import { detectFormat, recordStopTexts, TEMPLATES, type MatchRules, type TaskDoc, type TaskTemplate } from './templates.js';

const taskFileSchema = z
  .object({
    name: z.string().min(1).max(120).optional(),
    format: z.enum(TASK_FORMATS).optional(),
    data: z.string().min(1),
    limit: z.number().int().min(1).optional(),
    description: z.string().optional(),
    fewshot: z
      .object({
        k: z.number().int().min(0).max(256).optional(),
        from: z.string().min(1).optional(),
        sampler: z.enum(['random', 'first']).optional(),
        seed: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    generation: z
      .object({
        maxTokens: z.number().int().min(1).max(8192).optional(),
        until: z.array(z.string()).optional(),
        temperature: z.number().min(0).max(5).optional(),
        topK: z.number().int().min(0).optional(),
        topP: z.number().gt(0).max(1).optional(),
        seed: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    answer: z
      .object({
        strict: z.string().min(1).optional(),
        flexible: z.string().min(1).optional(),
        group: z.number().int().optional(),
        ignore: z.array(z.string()).optional(),
        ignoreCase: z.boolean().optional(),
      })
      .strict()
      .optional(),
    sandbox: z
      .object({ timeoutSeconds: z.number().gt(0).max(600).optional(), memoryMB: z.number().int().min(64).max(65536).optional() })
      .strict()
      .optional(),
    bos: z.enum(BOS_POLICIES).optional(),
  })
  .strict();

export type TaskFile = z.infer<typeof taskFileSchema>;

/** Settings given for every task at once (command-line flags); a task file's own values give way to them. */
export interface TaskOverrides {
  fewshot?: number;
  limit?: number;
  bos?: BosPolicy;
  badLines?: BadLinePolicy;
}

export interface LoadedDoc extends PoolDoc {
  source: string;
  /** MultiPL-E records name their own stop texts. */
  until: string[] | null;
}

export interface LoadedTask {
  name: string;
  source: string;
  template: TaskTemplate;
  docs: LoadedDoc[];
  fewshot: { k: number; sampler: FewshotSampler; seed: number; from: string | null; pool: LoadedDoc[]; samePool: boolean };
  /** Replaces each doc's own description when the task file gives one. */
  description: string | null;
  generation: GenerationSettings | null;
  match: MatchRules | null;
  sandbox: SandboxLimits | null;
  bos: BosPolicy;
  dataHash: string;
}

/** A task from a task file (.json) or a JSONL data file; `source` names it in reports. */
export async function loadTask(path: string, source: string, overrides: TaskOverrides, control: TaskControl = {}): Promise<LoadedTask> {
  const file = resolve(path);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile())
    throw new UserError(`The task ${path} does not exist or is not a file. Give a task file (.json), a JSONL file of benchmark records, or bundled:NAME.`);
  const spec = extname(file).toLowerCase() === '.json' ? await readTaskFile(file) : { data: file };
  const dataFile = resolve(dirname(file), spec.data);
  const records = await readRecords(dataFile, overrides.badLines ?? 'stop', control);
  const format = spec.format ?? detectFormat(records[0].value);
  if (!format) {
    throw new UserError(
      `${records[0].source}: this record's fields (${Object.keys(records[0].value).join(', ')}) match no known format. Name the format in a task file ("format": one of ${TASK_FORMATS.join(', ')}).`,
    );
  }
  const template = TEMPLATES[format];
  const all = readDocs(template, records, overrides.badLines ?? 'stop');
  // The limit cuts the questions, not the examples drawn from the same file (the harness's --limit).
  const docs = all.slice(0, overrides.limit ?? spec.limit ?? all.length);
  const fromFile = spec.fewshot?.from ? resolve(dirname(file), spec.fewshot.from) : null;
  const k = overrides.fewshot ?? spec.fewshot?.k ?? template.fewshot.k;
  const pool = fromFile ? readDocs(template, await readRecords(fromFile, overrides.badLines ?? 'stop', control), overrides.badLines ?? 'stop') : all;
  const sampler = spec.fewshot?.sampler ?? template.fewshot.sampler;
  const samePool = fromFile === null;
  const needed = k + (samePool ? 1 : 0);
  if (k > 0 && pool.length < needed) {
    throw new UserError(
      `${path} asks for ${k} few-shot examples but ${fromFile ?? dataFile} holds ${pool.length} usable records${samePool ? ' (the question itself is left out)' : ''}. Use fewer examples (--fewshot) or name a larger file in "fewshot.from".`,
    );
  }
  const generation = template.generation ? generationSettings(template, spec) : null;
  const match = template.match ? matchRules(template.match, spec) : null;
  const sandbox = template.kind === 'code' ? { ...DEFAULT_SANDBOX_LIMITS, ...spec.sandbox } : null;
  const bos = overrides.bos ?? spec.bos ?? 'tokenizer';
  const fewshot = { k, sampler, seed: spec.fewshot?.seed ?? FEWSHOT_SEED, from: fromFile, pool, samePool };
  const description = spec.description ?? null;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ format, k, sampler, seed: fewshot.seed, description, generation, match, bos }));
  for (const d of docs) hash.update(`\n${d.key}`);
  for (const d of fromFile ? pool : []) hash.update(`\nshot ${d.key}`);
  return {
    name: spec.name ?? basename(file).replace(/(\.task)?\.(json|jsonl)$/i, ''),
    source,
    template,
    docs,
    fewshot,
    description,
    generation,
    match,
    sandbox,
    bos,
    dataHash: `sha256:${hash.digest('hex')}`,
  };
}

async function readTaskFile(file: string): Promise<TaskFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid JSON (${(e as Error).message.split('\n')[0]}). A task file is a JSON object; see docs/evaluation.md.`);
  }
  const parsed = taskFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `${file}: ${issue.path.length ? `"${issue.path.join('.')}" ` : ''}${issue.message.toLowerCase()}. See docs/evaluation.md for the task file's fields.`,
    );
  }
  return parsed.data;
}

interface RawRecord {
  value: Record<string, unknown>;
  source: string;
}

async function readRecords(file: string, policy: BadLinePolicy, control: TaskControl): Promise<RawRecord[]> {
  const name = basename(file);
  const badLines = new BadLines(policy, []);
  const records: RawRecord[] = [];
  try {
    for await (const record of jsonlRecords(file)) {
      throwIfCancelled(control.signal);
      if ('problem' in record) badLines.report(name, record.line, record.problem);
      else if (typeof record.value !== 'object' || record.value === null || Array.isArray(record.value))
        badLines.report(name, record.line, 'not a JSON object');
      else records.push({ value: record.value as Record<string, unknown>, source: `${name}:${record.line}` });
    }
  } catch (e) {
    if (isUserError(e)) throw e;
    throw new UserError(`${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Task data is JSON Lines: one record per line.`);
  }
  if (records.length === 0) throw new UserError(`${file} holds no records. Task data is JSON Lines: one JSON object per line.`);
  return records;
}

function readDocs(template: TaskTemplate, records: readonly RawRecord[], policy: BadLinePolicy): LoadedDoc[] {
  const badLines = new BadLines(policy, []);
  const docs: LoadedDoc[] = [];
  for (const r of records) {
    const doc: TaskDoc | string = template.read(r.value);
    const [file, line] = splitSource(r.source);
    if (typeof doc === 'string') badLines.report(file, line, `${doc} (format ${template.format})`);
    else docs.push({ doc, key: recordKey(r.value), source: r.source, until: recordStopTexts(r.value) });
  }
  if (docs.length === 0) throw new UserError(`No record of ${records[0]?.source.split(':')[0]} is usable as ${template.format}.`);
  return docs;
}

function splitSource(source: string): [string, number] {
  const at = source.lastIndexOf(':');
  return [source.slice(0, at), Number(source.slice(at + 1))];
}

function generationSettings(template: TaskTemplate, spec: Pick<TaskFile, 'generation'>): GenerationSettings {
  const g = spec.generation ?? {};
  return {
    maxTokens: g.maxTokens ?? template.generation!.maxTokens,
    temperature: g.temperature ?? 0,
    topK: g.topK ?? 0,
    topP: g.topP ?? 1,
    seed: g.seed ?? 0,
    until: g.until ?? template.generation!.until,
  };
}

function matchRules(base: MatchRules, spec: Pick<TaskFile, 'answer'>): MatchRules {
  const a = spec.answer ?? {};
  return {
    strict: { pattern: a.strict ?? base.strict.pattern, group: a.group ?? base.strict.group },
    flexible: { pattern: a.flexible ?? base.flexible.pattern, group: base.flexible.group },
    ignore: a.ignore ?? base.ignore,
    ignoreCase: a.ignoreCase ?? base.ignoreCase,
  };
}
