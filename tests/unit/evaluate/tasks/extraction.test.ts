/**
 * Answer extraction and exact match as lm-evaluation-harness computes them for GSM8K (expected
 * values worked out by hand from Python's re.findall / re.sub), and the per-item metrics with
 * hand-computed expectations.
 */
import { describe, expect, it } from 'vitest';
import { cutAtStop, exactMatch, extractAnswer, findAll, pythonRegex } from '../../../../src/main/evaluate/tasks/extraction.js';
import { aggregate, choiceScores, mc2Score, meanWithStderr } from '../../../../src/main/evaluate/tasks/metrics.js';
import { TEMPLATES } from '../../../../src/main/evaluate/tasks/templates.js';

const gsm = TEMPLATES.gsm8k.match!;
const strict = (s: string) => extractAnswer(s, gsm.strict.pattern, gsm.strict.group);
const flexible = (s: string) => extractAnswer(s, gsm.flexible.pattern, gsm.flexible.group);

describe('answer extraction (GSM8K)', () => {
  it('strict: the first "#### N", commas and decimals kept; [invalid] without one', () => {
    expect(strict('She pays 3 * 4 = 12 dollars.\n#### 12')).toBe('12');
    expect(strict('#### 1,234.5 then #### 7')).toBe('1,234.5');
    expect(strict('#### -3')).toBe('-3');
    expect(strict('The answer is 12.')).toBe('[invalid]');
  });

  it('flexible: the last number-like run, the first non-empty group of the match', () => {
    expect(flexible('First 3 apples, then 15 more, so $18.')).toBe('$18.');
    expect(flexible('x = 7')).toBe('7');
    expect(flexible('no digits')).toBe('[invalid]');
  });

  it('exact match removes ",", "$", everything up to "#### " and a final "." from both sides, ignoring case', () => {
    const match = (a: string, ref: string) => exactMatch(a, ref, gsm.ignore, gsm.ignoreCase);
    expect(match('1,234', 'Add them: 1000 + 234 = 1234.\n#### 1,234')).toBe(true);
    expect(match('$18.', 'So #### 18')).toBe(true);
    expect(match('18.5', '#### 18')).toBe(false);
    expect(match('[invalid]', '#### 18')).toBe(false);
  });

  it("reads Python patterns: inline flags, named groups, escapes JavaScript's Unicode mode refuses", () => {
    expect('a\nb #### 5'.replace(pythonRegex('(?s).*#### '), '')).toBe('5');
    expect(findAll(pythonRegex('(?P<n>\\d+)-(?P=n)'), '3-3 4-5')).toEqual(['3']);
    expect(findAll(pythonRegex('\\-?\\d'), 'a-1b2')).toEqual(['-1', '2']);
    expect(findAll(pythonRegex('(a)|(b)'), 'ab')).toEqual([
      ['a', ''],
      ['', 'b'],
    ]);
  });

  it('cuts a generation at the first of the stop texts', () => {
    expect(cutAtStop('12\n\nQuestion: next', ['Question:', '\n\n'])).toBe('12');
    expect(cutAtStop('  return x\ndef g():', ['\nclass', '\ndef'])).toBe('  return x');
    expect(cutAtStop('no stop', [''])).toBe('no stop');
  });
});

describe('metrics', () => {
  it('acc takes the largest log-likelihood, acc_norm the largest per character (first on ties)', () => {
    // raw: -4 > -6 -> choice 0; per character: -4/2 = -2 vs -6/6 = -1 -> choice 1
    expect(choiceScores([-4, -6], ['ab', 'abcdef'], 1)).toEqual({ acc: 0, acc_norm: 1, prediction: 0 });
    expect(choiceScores([-1, -1], ['x', 'y'], 0)).toEqual({ acc: 1, acc_norm: 1, prediction: 0 });
  });

  it('mc2 is the probability mass on the true answers', () => {
    // p = exp(ll): 0.5, 0.25, 0.25 -> true ones (first two) hold 0.75 of the total 1.0
    expect(mc2Score([Math.log(0.5), Math.log(0.25), Math.log(0.25)], [1, 1, 0])).toBeCloseTo(0.75, 12);
    // normalised by the total: 0.2 and 0.1 -> 0.2 / 0.3
    expect(mc2Score([Math.log(0.2), Math.log(0.1)], [1, 0])).toBeCloseTo(2 / 3, 12);
  });

  it('mean and standard error with n - 1 (the harness mean_stderr)', () => {
    // values 1, 0, 1, 1: mean 0.75, sample variance 0.25, stderr sqrt(0.25 / 4) = 0.25
    expect(meanWithStderr([1, 0, 1, 1])).toEqual({ value: 0.75, stderr: 0.25 });
    expect(meanWithStderr([1])).toEqual({ value: 1, stderr: null });
    expect(aggregate(['acc', 'mc2'], [{ scores: { acc: 1 } }, { scores: { acc: 0 } }])).toEqual([{ name: 'acc', value: 0.5, stderr: 0.5 }]);
  });
});
