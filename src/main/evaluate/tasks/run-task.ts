/**
 * One task run on a model: every item's requests built from its template and few-shot
 * examples, scored (log-likelihoods, generation + extraction, or generation + sandbox), and the
 * report with the task's metrics and every item's result.
 *
 * Generation is greedy unless the task sets a temperature; item i of a sampled task uses seed
 * generation.seed + i, so a run repeats exactly. The prompt keeps its newest tokens when it is
 * longer than the model's context less the tokens to generate (the harness's left truncation);
 * a token budget above half the context is lowered to half, and the report records the budget used.
 */
import type { GenerationSettings, MetricName, TaskItemResult, TaskReport } from '../../../shared/evaluation.js';
import { UserError } from '../../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../../shared/progress.js';
import type { ForwardEngine } from '../../engine/forward-engine.js';
import type { ModelTokenizer } from '../../model/tokenizer.js';
import { endOfTextIds, generateTokens } from '../generate.js';
import { choiceTokens, encodeText, scoreLogLikelihoods, type ChoiceTokens } from '../multiple-choice.js';
import { cutAtStop, exactMatch, extractAnswer } from './extraction.js';
import { FewshotChooser, fewshotPrefix } from './few-shot.js';
import { aggregate, choiceScores, mc2Score } from './metrics.js';
import { Sandbox } from './sandbox.js';
import type { LoadedDoc, LoadedTask } from './task-file.js';
import type { ChoiceDoc, CodeDoc, GenerationDoc } from './templates.js';

export interface TaskModel {
  engine: ForwardEngine;
  tokenizer: ModelTokenizer;
}

export async function runTask(model: TaskModel, task: LoadedTask, control: TaskControl = {}): Promise<TaskReport> {
  const started = performance.now();
  const t = task.template;
  const contexts = fewshotContexts(task);
  const base = {
    name: task.name,
    source: task.source,
    format: t.format,
    kind: t.kind,
    items: task.docs.length,
    fewshot: { k: task.fewshot.k, sampler: task.fewshot.sampler, seed: task.fewshot.seed, from: task.fewshot.from },
    bos: task.bos,
    generation: task.generation,
    sandbox: null,
    notRun: null,
    dataHash: task.dataHash,
  };
  if (t.kind === 'multiple-choice') {
    const results = await runChoices(model, task, contexts, control);
    return { ...base, metrics: aggregate(t.metrics, results), results, seconds: seconds(started) };
  }
  const limit = model.engine.description.maxPositionEmbeddings;
  const generation = { ...task.generation!, maxTokens: Math.min(task.generation!.maxTokens, Math.floor(limit / 2)) };
  if (generation.maxTokens < task.generation!.maxTokens) {
    control.onLog?.(
      `${task.name}: ${task.generation!.maxTokens} new tokens do not fit beside a prompt in ${limit} tokens of context; generating at most ${generation.maxTokens}.`,
    );
  }
  if (t.kind === 'generate') {
    const results = await runGeneration(model, task, contexts, generation, control);
    return { ...base, generation, metrics: aggregate(t.metrics, results), results, seconds: seconds(started) };
  }
  const language = (task.docs[0].doc as CodeDoc).language;
  const sandbox = await Sandbox.open(language);
  if ('notRun' in sandbox) {
    control.onLog?.(`${task.name}: ${sandbox.notRun}`);
    return { ...base, generation, notRun: sandbox.notRun, metrics: [], results: [], seconds: seconds(started) };
  }
  const results = await runCode(model, task, contexts, generation, sandbox, control);
  return { ...base, generation, sandbox: sandbox.report(task.sandbox!), metrics: aggregate(t.metrics, results), results, seconds: seconds(started) };
}

/** Each item's few-shot context. Examples are drawn for every item in order, as the harness builds all requests first. */
function fewshotContexts(task: LoadedTask): string[] {
  const chooser = new FewshotChooser(task.fewshot.pool, task.fewshot.k, task.fewshot.sampler, task.fewshot.seed, task.fewshot.samePool);
  return task.docs.map((d) => fewshotPrefix(task.template, task.description ?? d.doc.description, chooser.examplesFor(d)));
}

/**
 * The longest sequence, in tokens, the task will run (prompt and answer, or prompt and every
 * token it may generate), within the model's context: what the memory plan needs before the
 * model loads.
 */
export function longestSequence(task: LoadedTask, tokenizer: ModelTokenizer, limit: number): number {
  const contexts = fewshotContexts(task);
  const t = task.template;
  let longest = 1;
  for (const [i, d] of task.docs.entries()) {
    if (t.kind === 'multiple-choice') {
      const doc = d.doc as ChoiceDoc;
      const texts =
        doc.sharedContinuation === null
          ? doc.choices.map((c) => contexts[i] + doc.query + t.targetDelimiter + c)
          : doc.choices.map((c) => contexts[i] + c + t.targetDelimiter + doc.sharedContinuation);
      for (const text of texts) longest = Math.max(longest, encodeText(tokenizer, text, task.bos).length);
    } else {
      const doc = d.doc as GenerationDoc | CodeDoc;
      longest = Math.max(longest, encodeText(tokenizer, contexts[i] + doc.query, task.bos).length + task.generation!.maxTokens);
    }
  }
  return Math.min(limit, longest);
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

function item(d: LoadedDoc, index: number): Pick<TaskItemResult, 'index' | 'source' | 'id'> {
  return { index, source: d.source, id: d.doc.id };
}

async function runChoices(model: TaskModel, task: LoadedTask, contexts: string[], control: TaskControl): Promise<TaskItemResult[]> {
  const t = task.template;
  const limit = model.engine.description.maxPositionEmbeddings;
  const groups: ChoiceTokens[][] = task.docs.map((d, i) => {
    const doc = d.doc as ChoiceDoc;
    const pairs =
      doc.sharedContinuation === null
        ? doc.choices.map((c) => [contexts[i] + doc.query, t.targetDelimiter + c])
        : doc.choices.map((c) => [contexts[i] + c, t.targetDelimiter + doc.sharedContinuation]);
    return pairs.map(([context, continuation]) => choiceTokens(model.tokenizer, context, continuation, limit, d.source, task.bos));
  });
  const lls = await scoreLogLikelihoods(model.engine, groups, undefined, control);
  return task.docs.map((d, i) => {
    const doc = d.doc as ChoiceDoc;
    const s = choiceScores(lls[i], doc.choices, doc.gold);
    const scores: Partial<Record<MetricName, number>> = {};
    if (t.metrics.includes('acc')) scores.acc = s.acc;
    if (t.metrics.includes('acc_norm')) scores.acc_norm = s.acc_norm;
    if (t.metrics.includes('mc2')) scores.mc2 = mc2Score(lls[i], doc.labels ?? doc.choices.map((_, k) => (k === doc.gold ? 1 : 0)));
    return { ...item(d, i), scores, gold: doc.gold, prediction: s.prediction, logLikelihoods: lls[i] };
  });
}

/** Greedy (or seeded sampled) continuation of each prompt, cut at the stop texts. */
async function generate(
  model: TaskModel,
  task: LoadedTask,
  prompt: string,
  d: LoadedDoc,
  index: number,
  settings: GenerationSettings,
  control: TaskControl,
): Promise<string> {
  const limit = model.engine.description.maxPositionEmbeddings;
  const ids = encodeText(model.tokenizer, prompt, task.bos);
  const kept = ids.slice(Math.max(0, ids.length - (limit - settings.maxTokens)));
  if (kept.length === 0) throw new UserError(`${d.source}: the prompt is empty and the tokenizer adds no start token.`);
  const until = d.until ?? settings.until;
  const stopIds = endOfTextIds(model.tokenizer, model.engine.description);
  const options = { maxTokens: settings.maxTokens, temperature: settings.temperature, topK: settings.topK, topP: settings.topP, seed: settings.seed + index };
  const stopWhen = until.length
    ? (tokens: readonly number[]) => {
        const text = model.tokenizer.decode([...tokens], { skipSpecial: true });
        return until.some((stop) => stop !== '' && text.includes(stop));
      }
    : undefined;
  const generation = await generateTokens(model.engine, kept, options, stopIds, { signal: control.signal }, stopWhen);
  return cutAtStop(model.tokenizer.decode(generation.tokens, { skipSpecial: true }), until);
}

async function runGeneration(
  model: TaskModel,
  task: LoadedTask,
  contexts: string[],
  settings: GenerationSettings,
  control: TaskControl,
): Promise<TaskItemResult[]> {
  const rules = task.match!;
  const results: TaskItemResult[] = [];
  for (const [i, d] of task.docs.entries()) {
    throwIfCancelled(control.signal);
    control.onProgress?.({ fraction: i / task.docs.length, message: `item ${i + 1} of ${task.docs.length}` });
    const doc = d.doc as GenerationDoc;
    const output = await generate(model, task, contexts[i] + doc.query, d, i, settings, control);
    const strict = extractAnswer(output, rules.strict.pattern, rules.strict.group);
    const flexible = extractAnswer(output, rules.flexible.pattern, rules.flexible.group);
    const scores = {
      exact_match: exactMatch(strict, doc.reference, rules.ignore, rules.ignoreCase) ? 1 : 0,
      exact_match_flexible: exactMatch(flexible, doc.reference, rules.ignore, rules.ignoreCase) ? 1 : 0,
    };
    results.push({ ...item(d, i), scores, output, extracted: { strict, flexible }, reference: doc.reference });
  }
  return results;
}

async function runCode(
  model: TaskModel,
  task: LoadedTask,
  contexts: string[],
  settings: GenerationSettings,
  sandbox: Sandbox,
  control: TaskControl,
): Promise<TaskItemResult[]> {
  const results: TaskItemResult[] = [];
  for (const [i, d] of task.docs.entries()) {
    throwIfCancelled(control.signal);
    control.onProgress?.({ fraction: i / task.docs.length, message: `program ${i + 1} of ${task.docs.length}` });
    const doc = d.doc as CodeDoc;
    const output = await generate(model, task, contexts[i] + doc.query, d, i, settings, control);
    const ran = await sandbox.run(doc.programPrefix + output + doc.programSuffix, task.sandbox!, control.signal);
    throwIfCancelled(control.signal);
    results.push({ ...item(d, i), scores: { 'pass@1': ran.status === 'passed' ? 1 : 0 }, output, status: ran.status, detail: ran.detail });
  }
  return results;
}
