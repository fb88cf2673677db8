/** The manual --layers SPEC grammar. */
import { describe, expect, it } from 'vitest';
import { parseLayerSpec } from '../../../src/main/plan/index.js';

describe('parseLayerSpec', () => {
  it('reads expand, prune, refresh and init clauses', () => {
    expect(parseLayerSpec('expand=1,3,5;prune=30,31;refresh=mean')).toEqual({
      expand: [1, 3, 5].map((after) => ({ after, init: 'average' })),
      prune: [30, 31],
      refresh: 'mean',
    });
  });

  it('ranges include both ends; per-block init overrides init=; spaces are ignored', () => {
    expect(parseLayerSpec(' init=copy ; expand = 2-4, 7:average ; prune=28-31 ;')).toEqual({
      expand: [
        { after: 2, init: 'copy' },
        { after: 3, init: 'copy' },
        { after: 4, init: 'copy' },
        { after: 7, init: 'average' },
      ],
      prune: [28, 29, 30, 31],
      refresh: 'none',
    });
  });

  it('an empty spec is an empty layout (which makePlan then refuses as training nothing)', () => {
    expect(parseLayerSpec('')).toEqual({ expand: [], prune: [], refresh: 'none' });
  });

  const bad: [string, RegExp][] = [
    ['grow=1', /"grow=1" is not one of expand=, prune=, refresh=, init=/],
    ['expand', /"expand" is not one of/],
    ['expand=1;expand=2', /expand= is given twice/],
    ['expand=', /expand= lists no layers/],
    ['expand=1,,2', /"" is not a layer index/],
    ['prune=31-28', /the range 31-28 runs backwards/],
    ['prune=-1', /"-1" is not a layer index/],
    ['expand=1:zero', /"1:zero": the init after ":" must be copy or average/],
    ['expand=1:copy:copy', /the init after ":" must be copy or average/],
    ['refresh=yes', /refresh= must be one of mean, keep, none, not "yes"/],
    ['init=mean', /init= must be one of copy, average/],
  ];
  for (const [spec, message] of bad) {
    it(`refuses "${spec}" with one line that shows an example`, () => {
      expect(() => parseLayerSpec(spec)).toThrow(message);
      expect(() => parseLayerSpec(spec)).toThrow(/Write it like expand=1,3,5;prune=30,31;refresh=mean/);
    });
  }
});
