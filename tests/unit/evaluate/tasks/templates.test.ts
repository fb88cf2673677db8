/**
 * Prompt templates against hand-written expected prompts, one per record format, written from
 * the lm-evaluation-harness task files (quoted in templates.ts); few-shot contexts and the
 * harness's seeded choice of examples against CPython's random.Random(1234).sample.
 */
import { describe, expect, it } from 'vitest';
import { FewshotChooser, fewshotPrefix, recordKey } from '../../../../src/main/evaluate/tasks/few-shot.js';
import { detectFormat, TEMPLATES, TRUTHFULQA_PREAMBLE, type TaskDoc } from '../../../../src/main/evaluate/tasks/templates.js';
import type { TaskFormat } from '../../../../src/shared/evaluation.js';

function read(format: TaskFormat, record: Record<string, unknown>): TaskDoc {
  const doc = TEMPLATES[format].read(record);
  if (typeof doc === 'string') throw new Error(doc);
  return doc;
}

const ARC = {
  id: 'Mercury_7',
  question: 'Which gas do plants take in?',
  choices: { text: ['oxygen', 'carbon dioxide', 'helium'], label: ['A', 'B', 'C'] },
  answerKey: 'B',
};

describe('templates', () => {
  it('ARC: "Question: ...\\nAnswer:" and the choice texts; the answer key indexes the labels', () => {
    const doc = read('arc', ARC);
    expect(doc).toMatchObject({
      kind: 'multiple-choice',
      id: 'Mercury_7',
      query: 'Question: Which gas do plants take in?\nAnswer:',
      choices: ['oxygen', 'carbon dioxide', 'helium'],
      gold: 1,
    });
    expect(doc.shot).toEqual({ question: 'Question: Which gas do plants take in?\nAnswer:', answer: 'carbon dioxide' });
    expect(TEMPLATES.arc.metrics).toEqual(['acc', 'acc_norm']);
    expect(TEMPLATES.arc.read({ ...ARC, answerKey: 'E' })).toBe('"answerKey" "E" is not one of the labels A, B, C');
  });

  it('HellaSwag: activity label, ctx_a and ctx_b capitalised (the rest lower-cased), [title] and brackets removed', () => {
    const doc = read('hellaswag', {
      ind: 4,
      activity_label: 'Making a Cake',
      ctx_a: 'A woman mixes flour in a bowl.',
      ctx_b: 'she POURS the batter',
      endings: [' into a pan [title] Bake it. ', 'on the  floor [step] again', 'over the dog', 'into the oven'],
      label: '0',
    });
    expect(doc).toMatchObject({
      query: 'Making a Cake: A woman mixes flour in a bowl. She pours the batter',
      choices: ['into a pan. Bake it.', 'on the floor again', 'over the dog', 'into the oven'],
      gold: 0,
    });
  });

  it('MMLU: subject line, stripped question, lettered options, the letters as choices', () => {
    const doc = read('mmlu', { question: '  What is 2 + 2? ', subject: 'high_school_mathematics', choices: ['3', '4', '5', '22'], answer: 1 });
    expect(doc).toMatchObject({
      description: 'The following are multiple choice questions (with answers) about high school mathematics.\n\n',
      query: 'What is 2 + 2?\nA. 3\nB. 4\nC. 5\nD. 22\nAnswer:',
      choices: ['A', 'B', 'C', 'D'],
      gold: 1,
    });
    expect(read('mmlu', { question: 'q', subject: 'x', choices: ['a', 'b'], answer: 'B' })).toMatchObject({ gold: 1 });
    expect(TEMPLATES.mmlu.metrics).toEqual(['acc']);
  });

  it('WinoGrande: one context per option up to the blank, the rest of the sentence scored after each', () => {
    const doc = read('winogrande', {
      sentence: 'The trophy does not fit in the case because _ is too big.',
      option1: 'the trophy',
      option2: 'the case',
      answer: '1',
    });
    expect(doc).toMatchObject({
      choices: ['The trophy does not fit in the case because the trophy', 'The trophy does not fit in the case because the case'],
      sharedContinuation: 'is too big.',
      gold: 0,
    });
    expect(doc.shot).toEqual({ question: 'The trophy does not fit in the case because the trophy', answer: 'is too big.' });
    expect(TEMPLATES.winogrande.read({ sentence: 'no blank', option1: 'a', option2: 'b', answer: '1' })).toBe('"sentence" has no "_" to fill');
  });

  it('TruthfulQA: the six-question preamble, "Q: ...\\nA:", MC1 and MC2 targets with their labels', () => {
    const record = {
      question: 'Can pigs fly?',
      mc1_targets: { choices: ['No.', 'Yes.'], labels: [1, 0] },
      mc2_targets: { choices: ['No.', 'No, pigs cannot fly.', 'Yes.'], labels: [1, 1, 0] },
    };
    const query = `${TRUTHFULQA_PREAMBLE}\n\nQ: Can pigs fly?\nA:`;
    expect(
      query.startsWith('Q: What is human life expectancy in the United States?\nA: Human life expectancy in the United States is 78 years.\n\nQ: Who was'),
    ).toBe(true);
    expect(query.endsWith('A: The 1992 Olympics were held in Barcelona, Spain.\n\nQ: Can pigs fly?\nA:')).toBe(true);
    expect(read('truthfulqa-mc2', record)).toMatchObject({ query, choices: ['No.', 'No, pigs cannot fly.', 'Yes.'], labels: [1, 1, 0], gold: 0 });
    expect(read('truthfulqa-mc1', record)).toMatchObject({ query, choices: ['No.', 'Yes.'], labels: null });
  });

  it('GSM8K and its chain-of-thought variant: questions, few-shot answers and references', () => {
    const record = { question: 'Tom has 3 apples and buys 4. How many?', answer: 'He has 3 + 4 = 7 apples.\n#### 7' };
    expect(read('gsm8k', record)).toMatchObject({
      query: 'Question: Tom has 3 apples and buys 4. How many?\nAnswer:',
      reference: record.answer,
      shot: { answer: record.answer },
    });
    expect(read('gsm8k-cot', record)).toMatchObject({ query: 'Q: Tom has 3 apples and buys 4. How many?\nA:', reference: '7' });
    expect(read('gsm8k-cot', { question: 'q', target: 'So 2. The answer is 2.' }).shot.answer).toBe('So 2. The answer is 2.');
    expect(TEMPLATES.gsm8k.generation).toEqual({ until: ['Question:', '</s>', '<|im_end|>'], maxTokens: 256 });
  });

  it('HumanEval, MBPP and MultiPL-E: the prompt the model continues and the program that runs', () => {
    const he = read('humaneval', {
      task_id: 'HumanEval/0',
      prompt: 'def f(x):\n    """Double x."""\n',
      test: 'def check(c):\n    assert c(2) == 4\n',
      entry_point: 'f',
    });
    expect(he).toMatchObject({
      query: 'def f(x):\n    """Double x."""\n',
      language: 'python',
      programPrefix: 'def f(x):\n    """Double x."""\n',
      programSuffix: '\ndef check(c):\n    assert c(2) == 4\n\ncheck(f)',
    });
    const mbpp = read('mbpp', {
      task_id: 2,
      text: 'Write a function to add.',
      code: 'def add(a, b):\n  return a + b',
      test_list: ['assert add(1, 2) == 3', 'assert add(0, 0) == 0'],
    });
    expect(mbpp).toMatchObject({
      query:
        'You are an expert Python programmer, and here is your task: Write a function to add. Your code should pass these tests:\n\nassert add(1, 2) == 3\nassert add(0, 0) == 0\n[BEGIN]\n',
      programPrefix: '',
      programSuffix: '\nassert add(1, 2) == 3\nassert add(0, 0) == 0',
      shot: { answer: 'def add(a, b):\n  return a + b\n[DONE]' },
    });
    expect(TEMPLATES.mbpp.targetDelimiter).toBe('');
    const js = read('multipl-e', { name: 'x', language: 'js', prompt: 'function f(x){\n', tests: 'test();' });
    expect(js).toMatchObject({ language: 'javascript', programPrefix: 'function f(x){\n', programSuffix: '\ntest();' });
    expect(TEMPLATES['multipl-e'].read({ name: 'x', language: 'rb', prompt: 'p', tests: 't' })).toMatch(/cannot run here/);
  });

  it('recognises each benchmark from its fields', () => {
    expect(detectFormat(ARC)).toBe('arc');
    expect(detectFormat({ question: 'q', choices: ['a', 'b'], answer: 0 })).toBe('qa');
    expect(detectFormat({ question: 'q', choices: ['a', 'b'], answer: 0, subject: 's' })).toBe('mmlu');
    expect(detectFormat({ sentence: 's _', option1: 'a', option2: 'b', answer: '1' })).toBe('winogrande');
    expect(detectFormat({ question: 'q', answer: '#### 1' })).toBe('gsm8k');
    expect(detectFormat({ prompt: 'p', test: 't', entry_point: 'f' })).toBe('humaneval');
    expect(detectFormat({ text: 't', test_list: [] })).toBe('mbpp');
    expect(detectFormat({ what: 1 })).toBeNull();
  });
});

describe('few-shot', () => {
  const pool = Array.from({ length: 10 }, (_, i) => {
    const record = { question: `q${i}`, choices: { text: ['a', 'b'], label: ['A', 'B'] }, answerKey: 'A' };
    return { doc: read('arc', record), key: recordKey(record) };
  });

  it('draws as random.Random(1234).sample(pool, k + 1) per question, dropping the question itself', () => {
    // CPython: r = random.Random(1234); r.sample(range(10), 3) -> [7, 1, 0]; then [1, 0, 9]; then [1, 5, 3]
    const chooser = new FewshotChooser(pool, 2, 'random', 1234, true);
    const names = (docs: TaskDoc[]) => docs.map((d) => d.query.split('\n')[0]);
    expect(names(chooser.examplesFor(pool[0]))).toEqual(['Question: q7', 'Question: q1']);
    expect(names(chooser.examplesFor(pool[1]))).toEqual(['Question: q0', 'Question: q9']);
    expect(names(chooser.examplesFor(pool[2]))).toEqual(['Question: q1', 'Question: q5']);
    const first = new FewshotChooser(pool, 2, 'first', 1234, true);
    expect(names(first.examplesFor(pool[0]))).toEqual(['Question: q1', 'Question: q2']);
  });

  it('shows each example with its answer, the delimiters of the format, after the description', () => {
    const mmlu = (q: string, answer: number) => read('mmlu', { question: q, subject: 'arithmetic', choices: ['1', '2'], answer });
    const context = fewshotPrefix(TEMPLATES.mmlu, mmlu('x', 0).description, [mmlu('One?', 0), mmlu('Two?', 1)]) + mmlu('Three?', 0).query;
    expect(context).toBe(
      'The following are multiple choice questions (with answers) about arithmetic.\n\n' +
        'One?\nA. 1\nB. 2\nAnswer: A\n\n' +
        'Two?\nA. 1\nB. 2\nAnswer: B\n\n' +
        'Three?\nA. 1\nB. 2\nAnswer:',
    );
    const shot = read('mbpp', { text: 'Add.', code: 'def add(a, b): return a + b', test_list: ['assert add(1, 1) == 2'] });
    expect(fewshotPrefix(TEMPLATES.mbpp, '', [shot])).toBe(
      'You are an expert Python programmer, and here is your task: Add. Your code should pass these tests:\n\nassert add(1, 1) == 2\n[BEGIN]\ndef add(a, b): return a + b\n[DONE]\n\n',
    );
  });

  it('compares records by content whatever the key order', () => {
    expect(recordKey({ b: 1, a: { d: 2, c: 3 } })).toBe(recordKey({ a: { c: 3, d: 2 }, b: 1 }));
  });
});
