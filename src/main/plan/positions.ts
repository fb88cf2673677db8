/**
 * Where blocks go: an even spread of insertion points (LLaMA Pro over all layers), and the S
 * strategy's rule for the shallow half.
 */

/**
 * `count` insertion points spread as evenly as possible over layers 0..span-1: insert after
 *   p_k = floor((k+1) * span / count) - 1,   k = 0..count-1.
 * When span % count == 0 this is LLaMA Pro's rule (after L/N-1, 2L/N-1, ...); otherwise the gaps
 * differ by at most one layer instead of refusing (LLaMA-Factory's L % N == 0 requirement).
 * Requires count <= span, so the points are distinct and the last one is always layer span-1.
 */
export function spreadPositions(count: number, span: number): number[] {
  return Array.from({ length: count }, (_, k) => Math.floor(((k + 1) * span) / count) - 1);
}

/**
 * The S strategy's new-block positions among the `shallow` layers 0..shallow-1 (the paper: after
 * every other layer, 1, 3, ..., 15 of a 32-layer model). A new block after layer i starts as the
 * mean of layers i and i+1, and layer 0 (which turns token embeddings into the first hidden
 * state) is unlike layer 1, so no block follows layer 0 unless every shallow layer gets one:
 *   count <= floor(shallow/2):  the odd layers 1, 3, 5, ..., spread evenly when fewer are asked;
 *   count <  shallow:           spread evenly over layers 1 .. shallow-1;
 *   count == shallow:           every shallow layer, layer 0 included (only when asked for).
 */
export function shallowPositions(count: number, shallow: number): number[] {
  const odd = Math.floor(shallow / 2);
  if (count <= odd) return spreadPositions(count, odd).map((k) => 2 * k + 1);
  if (count < shallow) return spreadPositions(count, shallow - 1).map((k) => k + 1);
  return Array.from({ length: shallow }, (_, i) => i);
}
