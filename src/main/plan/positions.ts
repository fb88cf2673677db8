/**
 * Where blocks go: the shallow/deep split of the stack and an even spread of insertion points.
 * Shared by the S strategy (spread over the shallow half) and LLaMA Pro (spread over all layers).
 */

/**
 * `count` insertion points spread as evenly as possible over layers 0..span-1: insert after
 *   p_k = floor((k+1) * span / count) - 1,   k = 0..count-1.
 * When span % count == 0 this is LLaMA Pro's rule (after L/N-1, 2L/N-1, ...); otherwise the gaps
 * differ by at most one layer instead of refusing (LLaMA-Factory's L % N == 0 requirement).
 * For span 16, count 8 it gives 1, 3, ..., 15: the paper's S layout. Requires count <= span, so
 * the points are distinct and the last one is always layer span-1.
 */
export function spreadPositions(count: number, span: number): number[] {
  return Array.from({ length: count }, (_, k) => Math.floor(((k + 1) * span) / count) - 1);
}
