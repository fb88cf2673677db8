/**
 * Variance across seeds: mean and sample standard deviation, and the findings' rule (a difference
 * is real only when the difference of the means exceeds the sum of the standard deviations),
 * against values computed by hand.
 */
import { describe, expect, it } from 'vitest';
import { differsBeyondSpread, meanSd, spreadOf } from '../../../src/shared/report-variance.js';
import { reportFindings } from '../../../src/shared/report-findings.js';
import { REPORT_VERSION, type Measurement, type RunReport, type StrategyRun } from '../../../src/shared/report.js';

function measurement(domain: number, general: number): Measurement {
  const ppl = (perplexity: number) => ({ meanNll: Math.log(perplexity), perplexity, tokens: 1000, seqLen: 128, dataHash: 'sha256:d' });
  return { domain: ppl(domain), general: ppl(general), domainQa: null, generalQa: null };
}

describe('mean ± standard deviation', () => {
  it('uses the sample standard deviation (n − 1)', () => {
    // (10 + 12) / 2 = 11; ((−1)² + 1²) / 1 = 2; sd = √2.
    expect(meanSd([10, 12])).toEqual({ mean: 11, sd: Math.SQRT2 });
    // Mean 5; squares 9+1+1+1+0+0+4+16 = 32; 32 / 7; sd = √(32/7) = 2.13809 (not √(32/8) = 2).
    const m = meanSd([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(m.mean).toBe(5);
    expect(m.sd).toBeCloseTo(2.1380899353, 9);
    expect(meanSd([3])).toEqual({ mean: 3, sd: 0 });
    expect(() => meanSd([])).toThrow();
  });

  it('collects the domain and general perplexities of every seed', () => {
    const s = spreadOf([0, 1, 2], [measurement(10, 30), measurement(12, 31), measurement(14, 32)]);
    expect(s.seeds).toEqual([0, 1, 2]);
    // Domain: mean 12, squares 4+0+4 = 8, /2 = 4, sd 2. General: mean 31, squares 1+0+1 = 2, /2 = 1, sd 1.
    expect(s.domain).toEqual({ mean: 12, sd: 2, values: [10, 12, 14] });
    expect(s.general).toEqual({ mean: 31, sd: 1, values: [30, 31, 32] });
  });

  it('calls a difference real only when it exceeds the sum of the standard deviations', () => {
    expect(differsBeyondSpread({ mean: 11, sd: Math.SQRT2 }, { mean: 15, sd: Math.SQRT2 })).toBe(true); // 4 > 2.83
    expect(differsBeyondSpread({ mean: 11, sd: Math.SQRT2 }, { mean: 12.5, sd: Math.SQRT1_2 })).toBe(false); // 1.5 < 2.12
    expect(differsBeyondSpread({ mean: 10, sd: 1 }, { mean: 12, sd: 1 })).toBe(false); // 2 = 2: touching error bars are not a difference
    expect(differsBeyondSpread({ mean: 12, sd: 0 }, { mean: 10, sd: 0 })).toBe(true);
  });
});

describe('findings with several seeds', () => {
  const run = (strategy: StrategyRun['strategy'], label: string, domains: [number, number]): StrategyRun => ({
    strategy,
    label,
    counts: { layers: 8, parameters: 2, trainableParameters: 1 },
    trainableLayers: [2],
    removedLayers: [],
    training: { steps: 2, losses: [], tokensPerSecond: 0, trainableParameters: 1, seconds: 0 },
    after: measurement(domains[0], 20),
    modelDir: `/m/${strategy}`,
    spread: spreadOf([0, 1], [measurement(domains[0], 20), measurement(domains[1], 20)]),
  });
  const report: Omit<RunReport, 'findings'> = {
    version: REPORT_VERSION,
    createdAt: '',
    domain: 'code',
    model: { dir: '/m', architecture: 'LlamaForCausalLM', layers: 8, parameters: 1, sourceHash: '' },
    data: { domain: '/d', general: '/g', domainQa: null, generalQa: null, seqLen: 128, seed: 0, seeds: 2 },
    scores: { domain: { layers: [], samples: 0, seqLen: 0, dataHash: '' }, general: null },
    before: measurement(20, 20),
    runs: [run('s', 'S', [10, 12]), run('llama-pro', 'LLaMA Pro', [14, 16]), run('last-k', 'last-k', [12, 13]), run('full', 'full', [5, 6])],
    timings: {},
    reused: [],
    exports: [],
  };

  it('gives mean ± sd per strategy and a winner only beyond the spread', () => {
    const findings = reportFindings(report);
    const from = findings.findIndex((f) => f.startsWith('Across'));
    // S 11 ± √2, LLaMA Pro 15 ± √2, last-k 12.5 ± √½, full 5.5 ± √½; every general 20 ± 0.
    expect(findings.slice(from)).toEqual([
      'Across 2 seeds (mean ± standard deviation after training): S domain perplexity 11.00 ± 1.41, general 20.00 ± 0.00; LLaMA Pro domain perplexity 15.00 ± 1.41, general 20.00 ± 0.00; last-k domain perplexity 12.50 ± 0.71, general 20.00 ± 0.00; full domain perplexity 5.50 ± 0.71, general 20.00 ± 0.00.',
      // |11 − 15| = 4 > 1.41 + 1.41 = 2.83.
      'S beats LLaMA Pro on domain perplexity: 11.00 ± 1.41 vs 15.00 ± 1.41 (difference 4.00, spread 2.83).',
      // |11 − 12.5| = 1.5 < 1.41 + 0.71 = 2.12.
      'S and last-k do not differ on domain perplexity beyond the spread across seeds: 11.00 ± 1.41 vs 12.50 ± 0.71 (difference 1.50, spread 2.12). Train with more seeds or longer to tell them apart.',
      // |11 − 5.5| = 5.5 > 2.12, and full is lower.
      'full beats S on domain perplexity: 5.50 ± 0.71 vs 11.00 ± 1.41 (difference 5.50, spread 2.12).',
      'A difference counts as real only when the difference of the means exceeds the sum of the two standard deviations (the spread).',
    ]);
    expect(findings.join('\n')).not.toMatch(/Lowest domain perplexity/);
  });

  it('one seed keeps the single-run finding', () => {
    const single = { ...report, runs: report.runs.map(({ spread: _spread, ...r }) => r) };
    const findings = reportFindings(single);
    expect(findings.at(-1)).toBe('Lowest domain perplexity after training: full — at this scale the S strategy did not win on domain perplexity.');
    expect(findings.join('\n')).not.toMatch(/Across|beats/);
  });
});
