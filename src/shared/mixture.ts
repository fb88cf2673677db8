/**
 * A corpus of several sources (code and math, with general text replayed): what the Corpus step
 * shows as a stacked bar and `slayer corpus` prints. Written by src/main/data/mixed-corpus.ts.
 */

export interface MixtureSourceSummary {
  name: string;
  /** Where the source's documents came from. */
  data: string;
  weight: number;
  /** Share of every training step's tokens. */
  share: number;
  /** Tokens of its training part: what there is to draw from. */
  trainTokens: number;
  validationTokens: number;
}

export interface CorpusMixture {
  sources: MixtureSourceSummary[];
  /** General text replayed in every batch, or null. */
  replay: { share: number; trainTokens: number } | null;
}
