/**
 * The Corpus step's token-length histogram: built from real length statistics (histogram.ts),
 * every bar must hold exactly the documents whose length lies in the range its label names, and
 * the bars must be split at the sequence length.
 */
import { describe, expect, it } from 'vitest';
import { lengthStats } from '../../src/main/data/histogram.js';
import { lengthHistogramOption } from '../../src/shared/analysis-charts.js';

/** Deterministic document lengths spanning 1 to ~20k tokens (log-uniform, like real corpora). */
function lengths(n: number, seed: number): number[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => Math.max(1, Math.round(Math.exp(next() * Math.log(20_000)))));
}

type Series = { name: string; data: (number | null)[] };

function parseRange(label: string): [number, number] {
  const [lo, hi] = label.split('–').map((x) => Number(x.replace(/,/g, '')));
  return [lo, hi];
}

describe('token-length histogram option', () => {
  for (const seqLen of [512, 300, 128]) {
    it(`puts each document in the bar its label names, split at ${seqLen} tokens`, () => {
      const docs = lengths(500, seqLen);
      const stats = lengthStats(docs, seqLen);
      const option = lengthHistogramOption(stats.histogram, seqLen) as {
        xAxis: { data: string[]; name: string };
        yAxis: { name: string };
        series: Series[];
        legend: unknown;
      };
      const labels = option.xAxis.data;
      const [short, long] = option.series;

      labels.forEach((label, bar) => {
        const [lo, hi] = parseRange(label);
        const inRange = docs.filter((n) => n >= lo && n <= hi).length;
        const shown = (short.data[bar] ?? 0) + (long.data[bar] ?? 0);
        expect(shown, label).toBe(inRange);
        // A bar is all on one side of the sequence length: no range straddles it.
        if (hi < seqLen) expect(long.data[bar]).toBeNull();
        else {
          expect(lo).toBeGreaterThanOrEqual(seqLen);
          expect(short.data[bar]).toBeNull();
        }
      });
      expect(short.data.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(docs.filter((n) => n < seqLen).length);
      expect(long.data.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(docs.filter((n) => n >= seqLen).length);
      expect(short.name).toBe(`shorter than ${seqLen} tokens`);
      expect(long.name).toBe(`${seqLen} tokens or longer`);
      expect(option.xAxis.name).toBe('tokens per document');
      expect(option.yAxis.name).toBe('documents');
      expect(option.legend).toBeTruthy();
    });
  }

  it('labels ranges without gaps or overlaps, from 0 up past the longest document', () => {
    const docs = lengths(200, 7);
    const labels = (lengthHistogramOption(lengthStats(docs, 512).histogram, 512) as { xAxis: { data: string[] } }).xAxis.data.map(parseRange);
    expect(labels[0][0]).toBe(0);
    for (let i = 1; i < labels.length; i++) expect(labels[i][0]).toBe(labels[i - 1][1] + 1);
    expect(labels[labels.length - 1][1]).toBeGreaterThanOrEqual(Math.max(...docs));
  });
});
