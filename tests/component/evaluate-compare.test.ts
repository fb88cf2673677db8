/**
 * The Evaluate step's numbers: the before/after rows (relative perplexity change, accuracy change
 * in points, direction words), the forgetting check against the limit, the findings it feeds,
 * the per-project limit, and the equivalent command lines. Expected values are worked out here
 * from the given measurements.
 */
import { describe, expect, it } from 'vitest';
import { compareMeasurements } from '../../src/renderer/src/before-after';
import { evalCommand, generateCommand } from '../../src/renderer/src/eval-command';
import { checkForgetting, DEFAULT_FORGETTING_THRESHOLD, reportFindings } from '../../src/shared/report-findings';
import { REPORT_VERSION, type Measurement, type RunReport } from '../../src/shared/report';

function measurement(domain: number, general: number, qa?: { domain: [number, number]; general: [number, number] }): Measurement {
  const ppl = (perplexity: number) => ({ meanNll: Math.log(perplexity), perplexity, tokens: 1000, seqLen: 128, dataHash: 'sha256:d' });
  const answers = (pair: [number, number] | undefined) => (pair ? { accuracy: pair[0], accuracyNorm: pair[1], items: 60, qaHash: 'sha256:q' } : null);
  return { domain: ppl(domain), general: ppl(general), domainQa: answers(qa?.domain), generalQa: answers(qa?.general) };
}

describe('before/after rows', () => {
  const before = measurement(20, 10, { domain: [0.4, 0.35], general: [0.5, 0.5] });
  const after = measurement(15, 10.8, { domain: [0.45, 0.35], general: [0.44, 0.52] });
  const rows = Object.fromEntries(compareMeasurements(before, after).map((r) => [r.key, r]));

  it('gives perplexity changes as a share of the base value, lower being better', () => {
    // 20 -> 15: (15 - 20) / 20 = -25 %, an improvement; 10 -> 10.8: +8 %, worse.
    expect(rows.domainPerplexity.change).toBeCloseTo(((15 - 20) / 20) * 100, 10);
    expect(rows.domainPerplexity).toMatchObject({ changeText: '−25.0 %', verdict: 'better', beforeText: '20.00', afterText: '15.00' });
    expect(rows.generalPerplexity).toMatchObject({ changeText: '+8.0 %', verdict: 'worse', afterText: '10.80' });
  });

  it('gives accuracy changes in points, higher being better, and "same" when the change rounds to nothing', () => {
    expect(rows.domainAccuracy).toMatchObject({
      changeText: `+${((0.45 - 0.4) * 100).toFixed(1)} points`,
      verdict: 'better',
      beforeText: '40.0 %',
      afterText: '45.0 %',
    });
    expect(rows.domainAccuracyNorm).toMatchObject({ changeText: '±0.0 points', verdict: 'same' });
    expect(rows.generalAccuracy).toMatchObject({ changeText: '−6.0 points', verdict: 'worse' });
    expect(rows.generalAccuracyNorm).toMatchObject({ changeText: '+2.0 points', verdict: 'better' });
  });

  it('shows large perplexities with one decimal and leaves out questions one side lacks', () => {
    const r = compareMeasurements(measurement(411.549, 250, { domain: [0.3, 0.3], general: [0.3, 0.3] }), measurement(412.6, 250));
    expect(r.map((x) => x.key)).toEqual(['domainPerplexity', 'generalPerplexity']);
    expect(r[0].beforeText).toBe('411.5');
    expect(r[1]).toMatchObject({ changeText: '±0.0 %', verdict: 'same' });
  });
});

describe('forgetting check', () => {
  it('warns when general perplexity rises past the limit', () => {
    const before = measurement(20, 10);
    const f = checkForgetting(before, measurement(15, 10.8), 0.05);
    expect(f.perplexityChange).toBeCloseTo(8, 10);
    expect(f.accuracyChange).toBeNull();
    expect(f.reasons).toEqual(['general perplexity rose +8.0 % (limit 5 %)']);
    // The same rise is within a 10 % limit, and a 4 % rise within 5 %.
    expect(checkForgetting(before, measurement(15, 10.8), 0.1).reasons).toEqual([]);
    expect(checkForgetting(before, measurement(15, 10.4), 0.05).reasons).toEqual([]);
  });

  it('warns when general question accuracy falls by more than the limit in points', () => {
    const before = measurement(20, 10, { domain: [0.4, 0.4], general: [0.5, 0.5] });
    const fell = checkForgetting(before, measurement(20, 10, { domain: [0.4, 0.4], general: [0.44, 0.5] }), 0.05);
    expect(fell.accuracyChange).toBeCloseTo((0.44 - 0.5) * 100, 10);
    expect(fell.reasons).toEqual(['general QA accuracy fell 6.0 points (limit 5 points)']);
    expect(checkForgetting(before, measurement(20, 10, { domain: [0.4, 0.4], general: [0.46, 0.5] }), 0.05).reasons).toEqual([]);
    expect(checkForgetting(before, measurement(20, 10, { domain: [0.4, 0.4], general: [0.44, 0.5] }), 0.025).reasons).toEqual([
      'general QA accuracy fell 6.0 points (limit 2.5 points)',
    ]);
  });

  it('puts both reasons in the report findings, which main writes too', () => {
    const before = measurement(20, 10, { domain: [0.4, 0.4], general: [0.5, 0.5] });
    const after = measurement(15, 11, { domain: [0.5, 0.5], general: [0.4, 0.4] });
    const report: Omit<RunReport, 'findings'> = {
      version: REPORT_VERSION,
      createdAt: '',
      domain: 'code',
      model: { dir: '/m', architecture: 'LlamaForCausalLM', layers: 8, parameters: 1, sourceHash: '' },
      data: { domain: '/d', general: '/g', domainQa: null, generalQa: null, seqLen: 128, seed: 0 },
      scores: { domain: { layers: [], samples: 0, seqLen: 0, dataHash: '' }, general: null },
      before,
      runs: [
        {
          strategy: 's',
          label: 'S',
          counts: { layers: 9, parameters: 2, trainableParameters: 1 },
          trainableLayers: [2],
          removedLayers: [7],
          training: { steps: 0, losses: [], tokensPerSecond: 0, trainableParameters: 1, seconds: 0 },
          after,
          modelDir: '/t',
        },
      ],
      timings: {},
      reused: [],
      exports: [],
    };
    const findings = reportFindings(report, DEFAULT_FORGETTING_THRESHOLD);
    expect(findings[0]).toBe('S: domain perplexity 20.00 → 15.00 (-25.0 %), general perplexity 10.00 → 11.00 (+10.0 %).');
    expect(findings[1]).toBe(
      'Warning: S forgot some general ability — general perplexity rose +10.0 % (limit 5 %); general QA accuracy fell 10.0 points (limit 5 points). Try fewer steps or a lower learning rate.',
    );
    expect(findings).toHaveLength(2);
  });
});

describe('command lines', () => {
  it('repeats an eval run with the flags slayer eval reads', () => {
    expect(
      evalCommand({ modelDir: '/m/base', data: '/p/corpus', split: 'general-validation', qa: '/q/my questions.jsonl', seqLen: 256, samples: 32, seed: 3 }),
    ).toBe("slayer eval /m/base --data /p/corpus --split general-validation --qa '/q/my questions.jsonl' --seq-len 256 --samples 32 --seed 3");
    expect(evalCommand({ modelDir: '/m', data: '/d', seqLen: 512 })).toBe('slayer eval /m --data /d --seq-len 512');
  });

  it('quotes a prompt with newlines and quotes for the shell', () => {
    const prompt = "def f(x):\n    return 'x'";
    expect(generateCommand({ modelDir: '/m', prompt, maxTokens: 48, temperature: 0.7, topK: 40, topP: 0.9, seed: 1 })).toBe(
      `slayer generate /m --prompt 'def f(x):\n    return '\\''x'\\''' --max-tokens 48 --temperature 0.7 --top-k 40 --top-p 0.9 --seed 1`,
    );
  });
});
