/** Mixture sources as people write them (DIR, DIR:0.6, code=DIR:0.6), and the weights and replay shares refused before anything trains. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReplayShare, mixtureShares, parseSourceSpec, resolveSources } from '../../../src/main/data/mixture.js';
import { isUserError } from '../../../src/shared/errors.js';

describe('mixture sources', () => {
  it('reads a path, a weight after the last ":" and a name before "="', () => {
    expect(parseSourceSpec('corpora/code')).toEqual({ data: 'corpora/code' });
    expect(parseSourceSpec('corpora/code:0.6')).toEqual({ data: 'corpora/code', weight: 0.6 });
    expect(parseSourceSpec('code=corpora/code:0.6')).toEqual({ name: 'code', data: 'corpora/code', weight: 0.6 });
    expect(parseSourceSpec('C:\\data\\math')).toEqual({ data: 'C:\\data\\math' });
    expect(parseSourceSpec('C:\\data\\math:2')).toEqual({ data: 'C:\\data\\math', weight: 2 });
    expect(() => parseSourceSpec('corpora/code:lots')).toThrow('the weight after ":" must be a number, got "lots"');
  });

  it('names sources after their folders, weight 1 by default, and gives each its share of the tokens', () => {
    const sources = resolveSources([
      { data: 'x/code', weight: 0.6 },
      { data: 'y/math.jsonl', weight: 0.4 },
      { name: 'law', data: 'z' },
    ]);
    expect(sources).toEqual([
      { name: 'code', data: resolve('x/code'), weight: 0.6 },
      { name: 'math', data: resolve('y/math.jsonl'), weight: 0.4 },
      { name: 'law', data: resolve('z'), weight: 1 },
    ]);
    const shares = mixtureShares([0.6, 0.4], 0.05);
    expect(shares.map((s) => +s.toFixed(12))).toEqual([0.57, 0.38, 0.05]);
    expect(mixtureShares([3, 1], 0)).toEqual([0.75, 0.25]);
  });

  it.each([
    [[{ data: 'a', weight: 0 }], 'The weight of source "a" ('],
    [[{ data: 'a', weight: -1 }], 'is -1; every source needs a positive weight'],
    [[{ data: 'a', weight: Number.NaN }], 'is NaN; every source needs a positive weight'],
    [
      [
        { data: 'a', weight: 1e308 },
        { data: 'b', weight: 1e308 },
      ],
      'The mixture weights add up to Infinity, not a positive number',
    ],
    [[{ data: 'x/a' }, { data: 'y/a' }], 'Two sources are named "a"'],
    [[], 'No training data given'],
  ])('refuses %j in one line', (specs, message) => {
    let error: unknown;
    try {
      resolveSources(specs);
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('a replay share from 0 to below 1', () => {
    expect(checkReplayShare(0.05)).toBe(0.05);
    for (const bad of [-0.1, 1, 1.5, Number.NaN]) expect(() => checkReplayShare(bad)).toThrow('The replay share must be from 0 to below 1');
  });
});
