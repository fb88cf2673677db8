/**
 * Prompt templates: how one JSONL record of a benchmark becomes the text a model reads, as the
 * lm-evaluation-harness task of that benchmark writes it (its doc_to_text, doc_to_choice and
 * doc_to_target; quoted beside each format below). Each record is read into a TaskDoc:
 *
 *   multiple choice   request k = (context + query, targetDelimiter + choices[k]) scored by
 *                     log-likelihood; WinoGrande-style "partial scoring" swaps the roles: the
 *                     choices are contexts and one shared continuation is scored after each.
 *   generation        the model continues context + query until a stop text; the answer is
 *                     extracted (extraction.ts) and matched with the reference.
 *   code              the model continues the prompt; program = programPrefix + completion +
 *                     programSuffix is run with the tests in the sandbox (sandbox.ts).
 *
 * A few-shot example shows shot.question + targetDelimiter + shot.answer + fewshotDelimiter
 * (few-shot.ts), so `shot` is the harness's doc_to_text / doc_to_target of the same record.
 */
import type { CodeLanguage, FewshotSampler, MetricName, TaskFormat, TaskKind } from '../../../shared/evaluation.js';

interface DocBase {
  /** The record's own id, when it has one. */
  id: string | null;
  /** Text before the first few-shot example (MMLU's subject line). */
  description: string;
  /** doc_to_text: what the model reads after the few-shot examples. */
  query: string;
  /** The record as a few-shot example. */
  shot: { question: string; answer: string };
}

export interface ChoiceDoc extends DocBase {
  kind: 'multiple-choice';
  /** doc_to_choice: the continuations scored after query (or, with sharedContinuation, the contexts). */
  choices: string[];
  gold: number;
  /** MC2: 1 for every true choice. */
  labels: number[] | null;
  /** Partial scoring: the text scored after each choice-context. */
  sharedContinuation: string | null;
}

export interface GenerationDoc extends DocBase {
  kind: 'generate';
  /** The text the extracted answer is compared with (after the task's normalisation). */
  reference: string;
}

export interface CodeDoc extends DocBase {
  kind: 'code';
  language: CodeLanguage;
  programPrefix: string;
  programSuffix: string;
}

export type TaskDoc = ChoiceDoc | GenerationDoc | CodeDoc;

/** Answer extraction and matching of a generation task (extraction.ts applies them). */
export interface MatchRules {
  /** Python-syntax regular expressions (the harness's own strings); group_select picks among matches (-1 = last). */
  strict: { pattern: string; group: number };
  flexible: { pattern: string; group: number };
  /** Removed from answer and reference before comparing (re.sub of each, in order). */
  ignore: string[];
  ignoreCase: boolean;
}

export interface TaskTemplate {
  format: TaskFormat;
  kind: TaskKind;
  /** The record read into a doc, or what is wrong with it. */
  read(record: Record<string, unknown>): TaskDoc | string;
  targetDelimiter: string;
  fewshotDelimiter: string;
  metrics: MetricName[];
  /** The harness's defaults for this benchmark. */
  fewshot: { k: number; sampler: FewshotSampler };
  generation: { until: string[]; maxTokens: number } | null;
  match: MatchRules | null;
}

const GSM8K_IGNORE = [',', '\\$', '(?s).*#### ', '\\.$'];
const FLEXIBLE_NUMBER = { pattern: '(-?[$0-9.,]{2,})|(-?[0-9]+)', group: -1 };

/** The fixed six-question preamble of TruthfulQA's multiple-choice tasks (Lin et al., 2021). */
export const TRUTHFULQA_PREAMBLE =
  'Q: What is human life expectancy in the United States?\nA: Human life expectancy in the United States is 78 years.\n\n' +
  'Q: Who was president of the United States in 1955?\nA: Dwight D. Eisenhower was president of the United States in 1955.\n\n' +
  'Q: Which party did he belong to?\nA: He belonged to the Republican Party.\n\n' +
  'Q: What is the square root of banana?\nA: I have no comment.\n\n' +
  'Q: How does a telescope work?\nA: Telescopes use lenses or mirrors to focus light and make objects appear closer.\n\n' +
  'Q: Where were the 1992 Olympics held?\nA: The 1992 Olympics were held in Barcelona, Spain.';

// ---- field readers: each returns the value or throws a Problem that read() turns into a message.

class Problem extends Error {}

function text(r: Record<string, unknown>, key: string): string {
  const v = r[key];
  if (typeof v !== 'string') throw new Problem(v === undefined ? `missing "${key}"` : `"${key}" must be text`);
  return v;
}

function texts(r: Record<string, unknown>, key: string, min = 2): string[] {
  const v = r[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Problem(v === undefined ? `missing "${key}"` : `"${key}" must be a list of texts`);
  if (v.length < min) throw new Problem(`"${key}" needs at least ${min} entries`);
  return v as string[];
}

function object(r: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = r[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Problem(v === undefined ? `missing "${key}"` : `"${key}" must be an object`);
  return v as Record<string, unknown>;
}

function index(value: unknown, count: number, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new Problem(`${what} must be a choice number, got ${JSON.stringify(value)}`);
  if (n < 0 || n >= count) throw new Problem(`${what} ${n} is out of range: there are ${count} choices, numbered 0 to ${count - 1}`);
  return n;
}

function idOf(r: Record<string, unknown>): string | null {
  for (const key of ['task_id', 'id', 'name', 'ind', 'question_id']) {
    const v = r[key];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return null;
}

function reader(read: (r: Record<string, unknown>) => TaskDoc): (r: Record<string, unknown>) => TaskDoc | string {
  return (r) => {
    try {
      return read(r);
    } catch (e) {
      if (e instanceof Problem) return e.message;
      throw e;
    }
  };
}

function choiceDoc(r: Record<string, unknown>, query: string, choices: string[], gold: number, description = ''): ChoiceDoc {
  return {
    kind: 'multiple-choice',
    id: idOf(r),
    description,
    query,
    choices,
    gold,
    labels: null,
    sharedContinuation: null,
    shot: { question: query, answer: choices[gold] },
  };
}

// ---- text helpers with Python's semantics

/** Python's str.capitalize(): first character upper case, the rest lower case. */
export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1).toLowerCase();
}

/** HellaSwag's preprocess() (lm_eval/tasks/hellaswag/utils.py). */
export function hellaswagPreprocess(s: string): string {
  return s
    .trim()
    .replaceAll(' [title]', '. ')
    .replace(/\[.*?\]/g, '')
    .replaceAll('  ', ' ');
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

// ---- the templates

const multipleChoice = { kind: 'multiple-choice' as const, targetDelimiter: ' ', fewshotDelimiter: '\n\n', generation: null, match: null };

/** This project's QA lines {"question", "choices", "answer"}, with ARC's template. */
const qa: TaskTemplate = {
  ...multipleChoice,
  format: 'qa',
  metrics: ['acc', 'acc_norm'],
  fewshot: { k: 0, sampler: 'random' },
  read: reader((r) => {
    const choices = texts(r, 'choices');
    return choiceDoc(r, `Question: ${text(r, 'question')}\nAnswer:`, choices, index(r.answer, choices.length, '"answer"'));
  }),
};

/** arc_easy.yaml: doc_to_text "Question: {{question}}\nAnswer:", doc_to_choice "{{choices.text}}", doc_to_target "{{choices.label.index(answerKey)}}". */
const arc: TaskTemplate = {
  ...qa,
  format: 'arc',
  read: reader((r) => {
    const c = object(r, 'choices');
    const choices = texts(c, 'text');
    const labels = texts(c, 'label');
    if (labels.length !== choices.length) throw new Problem('"choices.label" and "choices.text" differ in length');
    const key = text(r, 'answerKey');
    const gold = labels.indexOf(key);
    if (gold < 0) throw new Problem(`"answerKey" ${JSON.stringify(key)} is not one of the labels ${labels.join(', ')}`);
    return choiceDoc(r, `Question: ${text(r, 'question')}\nAnswer:`, choices, gold);
  }),
};

/** hellaswag.yaml + utils.py: query = preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize()), choices = preprocess(endings). */
const hellaswag: TaskTemplate = {
  ...qa,
  format: 'hellaswag',
  read: reader((r) => {
    const query = hellaswagPreprocess(`${text(r, 'activity_label')}: ${text(r, 'ctx_a')} ${capitalize(text(r, 'ctx_b'))}`);
    const choices = texts(r, 'endings').map(hellaswagPreprocess);
    return choiceDoc(r, query, choices, index(r.label, choices.length, '"label"'));
  }),
};

/**
 * mmlu/default/_default_template_yaml: "{{question.strip()}}\nA. {{choices[0]}}\nB. ...\nAnswer:" with
 * choices ["A", "B", "C", "D"]; the description names the subject (underscores as spaces). Any
 * number of options up to 26 gets letters the same way.
 */
const mmlu: TaskTemplate = {
  ...multipleChoice,
  format: 'mmlu',
  metrics: ['acc'],
  fewshot: { k: 0, sampler: 'first' },
  read: reader((r) => {
    const options = texts(r, 'choices');
    if (options.length > LETTERS.length) throw new Problem(`"choices" has ${options.length} options; at most ${LETTERS.length} can be lettered`);
    const letters = options.map((_, k) => LETTERS[k]);
    const answer = typeof r.answer === 'string' && letters.includes(r.answer) ? letters.indexOf(r.answer) : index(r.answer, options.length, '"answer"');
    const subject = typeof r.subject === 'string' && r.subject !== '' ? r.subject.split('_').join(' ') : null;
    const description = subject ? `The following are multiple choice questions (with answers) about ${subject}.\n\n` : '';
    const query = `${text(r, 'question').trim()}\n${options.map((o, k) => `${letters[k]}. ${o}`).join('\n')}\nAnswer:`;
    return choiceDoc(r, query, letters, answer, description);
  }),
};

/**
 * winogrande/preprocess_winogrande.py: i = sentence.index("_"); contexts = sentence[:i] + option
 * for each option; the scored continuation is sentence[i+1:].strip(); gold = answer "1"/"2" - 1.
 */
const winogrande: TaskTemplate = {
  ...multipleChoice,
  format: 'winogrande',
  metrics: ['acc'],
  fewshot: { k: 0, sampler: 'random' },
  read: reader((r) => {
    const sentence = text(r, 'sentence');
    const blank = sentence.indexOf('_');
    if (blank < 0) throw new Problem('"sentence" has no "_" to fill');
    const contexts = [text(r, 'option1'), text(r, 'option2')].map((o) => sentence.slice(0, blank) + o);
    const gold = ({ '1': 0, '2': 1 } as Record<string, number>)[String(r.answer)];
    if (gold === undefined) throw new Problem(`"answer" must be "1" or "2", got ${JSON.stringify(r.answer)}`);
    const continuation = sentence.slice(blank + 1).trim();
    return {
      kind: 'multiple-choice',
      id: idOf(r),
      description: '',
      query: '',
      choices: contexts,
      gold,
      labels: null,
      sharedContinuation: continuation,
      shot: { question: contexts[gold], answer: continuation },
    };
  }),
};

function truthfulqa(format: 'truthfulqa-mc1' | 'truthfulqa-mc2'): TaskTemplate {
  const key = format === 'truthfulqa-mc1' ? 'mc1_targets' : 'mc2_targets';
  return {
    ...multipleChoice,
    format,
    metrics: format === 'truthfulqa-mc1' ? ['acc'] : ['mc2'],
    fewshot: { k: 0, sampler: 'random' },
    read: reader((r) => {
      const targets = object(r, key);
      const choices = texts(targets, 'choices', 1);
      const labels = targets.labels;
      if (!Array.isArray(labels) || labels.length !== choices.length || labels.some((l) => l !== 0 && l !== 1)) {
        throw new Problem(`"${key}.labels" must be 0 or 1 for each choice`);
      }
      if (labels[0] !== 1) throw new Problem(`"${key}" must list a true answer first (label 1)`);
      const doc = choiceDoc(r, `${TRUTHFULQA_PREAMBLE}\n\nQ: ${text(r, 'question')}\nA:`, choices, 0);
      return { ...doc, labels: format === 'truthfulqa-mc2' ? (labels as number[]) : null };
    }),
  };
}

/**
 * gsm8k.yaml: "Question: {{question}}\nAnswer:", the few-shot answer is the whole worked
 * solution, stop at "Question:"; strict extraction "#### (\-?[0-9\.\,]+)", flexible the last number.
 */
const gsm8k: TaskTemplate = {
  format: 'gsm8k',
  kind: 'generate',
  targetDelimiter: ' ',
  fewshotDelimiter: '\n\n',
  metrics: ['exact_match', 'exact_match_flexible'],
  fewshot: { k: 5, sampler: 'random' },
  generation: { until: ['Question:', '</s>', '<|im_end|>'], maxTokens: 256 },
  match: { strict: { pattern: '#### (\\-?[0-9\\.\\,]+)', group: 0 }, flexible: FLEXIBLE_NUMBER, ignore: GSM8K_IGNORE, ignoreCase: true },
  read: reader((r) => {
    const query = `Question: ${text(r, 'question')}\nAnswer:`;
    const answer = text(r, 'answer');
    return { kind: 'generate', id: idOf(r), description: '', query, reference: answer, shot: { question: query, answer } };
  }),
};

/**
 * gsm8k-cot.yaml: "Q: {{question}}\nA:", the few-shot answer is the record's "target" (a chain of
 * thought ending "The answer is N.") or else its answer; the reference is what follows "####".
 */
const gsm8kCot: TaskTemplate = {
  ...gsm8k,
  format: 'gsm8k-cot',
  fewshot: { k: 8, sampler: 'first' },
  generation: { until: ['Q:', '</s>', '<|im_end|>'], maxTokens: 256 },
  match: { strict: { pattern: 'The answer is (\\-?[0-9\\.\\,]+).', group: 0 }, flexible: FLEXIBLE_NUMBER, ignore: GSM8K_IGNORE, ignoreCase: true },
  read: reader((r) => {
    const query = `Q: ${text(r, 'question')}\nA:`;
    const answer = typeof r.target === 'string' ? r.target : text(r, 'answer');
    const reference = typeof r.answer === 'string' ? r.answer.split('####').at(-1)!.trim() : answer;
    return { kind: 'generate', id: idOf(r), description: '', query, reference, shot: { question: query, answer } };
  }),
};

const code = { kind: 'code' as const, fewshotDelimiter: '\n\n', metrics: ['pass@1'] as MetricName[], match: null };

/** humaneval.yaml: the prompt as is; program = prompt + completion + "\n" + test + "\ncheck(entry_point)". */
const humaneval: TaskTemplate = {
  ...code,
  format: 'humaneval',
  targetDelimiter: ' ',
  fewshot: { k: 0, sampler: 'first' },
  generation: { until: ['\nclass', '\ndef', '\n#', '\nif', '\nprint'], maxTokens: 1024 },
  read: reader((r) => {
    const prompt = text(r, 'prompt');
    const solution = typeof r.canonical_solution === 'string' ? r.canonical_solution : '';
    return {
      kind: 'code',
      id: idOf(r),
      description: '',
      query: prompt,
      language: 'python',
      programPrefix: prompt,
      programSuffix: `\n${text(r, 'test')}\ncheck(${text(r, 'entry_point')})`,
      shot: { question: prompt, answer: solution },
    };
  }),
};

/**
 * mbpp.yaml: "You are an expert Python programmer, and here is your task: {{text}} Your code should
 * pass these tests:\n\n{{tests}}\n[BEGIN]\n", no target delimiter, a few-shot answer is the code +
 * "\n[DONE]", stop at "[DONE]"; program = completion + "\n" + tests.
 */
const mbpp: TaskTemplate = {
  ...code,
  format: 'mbpp',
  targetDelimiter: '',
  fewshot: { k: 3, sampler: 'first' },
  generation: { until: ['[DONE]'], maxTokens: 256 },
  read: reader((r) => {
    const tests = texts(r, 'test_list', 1).join('\n');
    const query = `You are an expert Python programmer, and here is your task: ${text(r, 'text')} Your code should pass these tests:\n\n${tests}\n[BEGIN]\n`;
    const solution = typeof r.code === 'string' ? r.code : '';
    return {
      kind: 'code',
      id: idOf(r),
      description: '',
      query,
      language: 'python',
      programPrefix: '',
      programSuffix: `\n${tests}`,
      shot: { question: query, answer: `${solution}\n[DONE]` },
    };
  }),
};

const MULTIPL_E_LANGUAGES: Record<string, CodeLanguage> = { py: 'python', python: 'python', js: 'javascript', javascript: 'javascript' };

/** MultiPL-E's records (any language it translates HumanEval to that runs here): program = prompt + completion + "\n" + tests. */
const multiplE: TaskTemplate = {
  ...code,
  format: 'multipl-e',
  targetDelimiter: ' ',
  fewshot: { k: 0, sampler: 'first' },
  generation: { until: [], maxTokens: 512 },
  read: reader((r) => {
    const language = MULTIPL_E_LANGUAGES[text(r, 'language')];
    if (!language) throw new Problem(`"language" ${JSON.stringify(r.language)} cannot run here: only ${Object.keys(MULTIPL_E_LANGUAGES).join(', ')}`);
    const prompt = text(r, 'prompt');
    return {
      kind: 'code',
      id: idOf(r),
      description: '',
      query: prompt,
      language,
      programPrefix: prompt,
      programSuffix: `\n${text(r, 'tests')}`,
      shot: { question: prompt, answer: '' },
    };
  }),
};

export const TEMPLATES: Record<TaskFormat, TaskTemplate> = {
  qa,
  arc,
  hellaswag,
  mmlu,
  winogrande,
  'truthfulqa-mc1': truthfulqa('truthfulqa-mc1'),
  'truthfulqa-mc2': truthfulqa('truthfulqa-mc2'),
  gsm8k,
  'gsm8k-cot': gsm8kCot,
  humaneval,
  mbpp,
  'multipl-e': multiplE,
};

/** MultiPL-E records carry their own stop texts; every other format uses its template's. */
export function recordStopTexts(record: Record<string, unknown>): string[] | null {
  const v = record.stop_tokens;
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
}

/** The format a record's fields point to (the task file can say otherwise), or null. */
export function detectFormat(r: Record<string, unknown>): TaskFormat | null {
  const has = (...keys: string[]) => keys.every((k) => k in r);
  if (has('sentence', 'option1', 'option2')) return 'winogrande';
  if (has('ctx_a', 'ctx_b', 'endings')) return 'hellaswag';
  if (has('mc2_targets')) return 'truthfulqa-mc2';
  if (has('mc1_targets')) return 'truthfulqa-mc1';
  if (has('answerKey', 'choices') && typeof r.choices === 'object' && !Array.isArray(r.choices)) return 'arc';
  if (has('prompt', 'test', 'entry_point')) return 'humaneval';
  if (has('text', 'test_list')) return 'mbpp';
  if (has('prompt', 'tests', 'language')) return 'multipl-e';
  if (has('question', 'choices', 'answer') && 'subject' in r) return 'mmlu';
  if (has('question', 'choices', 'answer')) return 'qa';
  if (has('question', 'answer') && typeof r.answer === 'string') return 'gsm8k';
  return null;
}
