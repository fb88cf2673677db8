/**
 * Token-length statistics for the data preview: a histogram of document lengths on doubling
 * bins (lengths span several orders of magnitude), with the chosen sequence length as a bin
 * edge so the chart shows what is cut, and the share of documents and tokens beyond it.
 */

export type { LengthHistogram } from '../../shared/corpus.js';
import type { LengthHistogram } from '../../shared/corpus.js';

export interface LengthStats {
  histogram: LengthHistogram;
  /** Share of documents longer than seqLen: cut if each document were one sequence. */
  truncatedShare: number;
  /** Share of all tokens that lie beyond seqLen within their document. */
  truncatedTokenShare: number;
}

const FIRST_EDGE = 16;

export function lengthStats(lengths: ArrayLike<number>, seqLen: number): LengthStats {
  let longest = 0;
  let total = 0;
  let truncatedDocs = 0;
  let truncatedTokens = 0;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i];
    longest = Math.max(longest, n);
    total += n;
    if (n > seqLen) {
      truncatedDocs++;
      truncatedTokens += n - seqLen;
    }
  }
  const edges = [0];
  for (let e = FIRST_EDGE; edges[edges.length - 1] <= longest; e *= 2) edges.push(e);
  if (!edges.includes(seqLen) && seqLen < edges[edges.length - 1]) {
    edges.push(seqLen);
    edges.sort((a, b) => a - b);
  }
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < lengths.length; i++) {
    let bin = 0;
    while (lengths[i] >= edges[bin + 1]) bin++;
    counts[bin]++;
  }
  return {
    histogram: { edges, counts },
    truncatedShare: lengths.length ? truncatedDocs / lengths.length : 0,
    truncatedTokenShare: total ? truncatedTokens / total : 0,
  };
}
