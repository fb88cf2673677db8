/**
 * The S strategy's prune rules in words, as the Plan step and the pipeline settings offer them;
 * `scores` and `gromov` need the Analyze step's scores (docs/s-strategy.md, "Prune rules").
 */
import type { PruneRule } from '../../shared/plan';

export const PRUNE_RULE_WORDS: Record<PruneRule, { label: string; words: string }> = {
  deepest: { label: 'The deepest (the paper)', words: 'Delete the deepest layers, as the paper does, and start the new last layer as their mean.' },
  scores: { label: 'Lowest scores', words: 'Delete the deep layers that change the text least one by one (often keeps the last layer).' },
  gromov: { label: 'Least-changing run', words: 'Delete the run of consecutive deep layers whose removal changes the text least (Gromov et al.).' },
};
