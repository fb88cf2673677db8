/** The longer --help explanation of `--prune RULE` (slayer plan): which deep layers the S strategy deletes. */
export const PRUNE_DETAILS = [
  "--prune deepest|scores|gromov: which deep layers go (recorded in the plan). deepest: the K deepest, the paper's rule (default);",
  '  scores: the K deep-half layers with the lowest single-layer score; gromov: the run of K layers l..l+K-1 with the lowest',
  '  d(h_l, h_l+K) (Gromov et al.). scores and gromov read --scores (slayer score --json; gromov needs --spans K there).',
];
