/**
 * The drop-one / insert-one sweep, reusing what the unchanged model already computed. A probe's
 * block sequence starts with p blocks of the unchanged model (drop i: blocks 0..i-1, p = i;
 * insert after i: blocks 0..i, p = i + 1), and those blocks compute exactly what they computed
 * in the baseline run. So the sweep runs the sequences chunk by chunk: the baseline run keeps
 * the hidden states entering each block (engine onStates), and every probe starts from the
 * states at its p (engine startFrom) and runs only the rest of its sequence, then the head.
 *
 * Blocks run per chunk, with L layers:
 *   drop-one    L + sum_i (L-1-i) = L + L(L-1)/2     instead of L + L(L-1) from the embedding
 *   insert-one  L + sum_i (L-i)   = L + L(L+1)/2     instead of L + L(L+1)
 * about half, plus the head, which every probe runs whatever it reuses.
 *
 * A probe started from kept states runs the same graph calls on the same inputs as one started
 * from the embedding, so both give the same numbers (the tests check it to 1e-6). Without room
 * for the cache (src/main/memory/probe-cache.ts) every probe runs from the embedding, still
 * chunk by chunk.
 */
import { progressSpan, throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { BlockSource, ForwardEngine } from '../engine/forward-engine.js';
import type { LayerStates } from '../engine/layer-states.js';

export interface SweepOptions {
  /** Each probe's block sequence (probe-layouts.ts). */
  layouts: readonly (readonly BlockSource[])[];
  /** Sequences per chunk. */
  chunk: number;
  /** Keep the baseline's states and start probes from them (else every probe runs from the embedding). */
  cache: boolean;
}

export interface SweepResult {
  /** Per sequence, the unchanged model's token log-probabilities. */
  baseline: Float32Array[];
  /** Per probe (in the order of `layouts`), per sequence. */
  probes: Float32Array[][];
  /** Blocks run (summed over sequences' chunks), and what running every probe from the embedding runs. */
  blockRuns: { run: number; uncached: number };
}

/** Entries at the start of `blocks` that are the unchanged model's layers 0, 1, 2, ... */
export function sharedPrefix(blocks: readonly BlockSource[]): number {
  let p = 0;
  while (p < blocks.length && blocks[p] === p) p++;
  return p;
}

export async function probeSweep(
  engine: ForwardEngine,
  sequences: readonly ArrayLike<number>[],
  options: SweepOptions,
  control: TaskControl,
): Promise<SweepResult> {
  const layers = engine.description.layers;
  const all = Array.from({ length: layers }, (_, i) => i);
  const starts = options.layouts.map((blocks) => (options.cache ? sharedPrefix(blocks) : 0));
  const kept = new Set(starts.filter((p) => p > 0));
  const baseline: Float32Array[] = [];
  const probes: Float32Array[][] = options.layouts.map(() => []);
  const runs = options.layouts.length + 1;
  const chunks = Math.ceil(sequences.length / options.chunk);
  let run = 0;
  let uncached = 0;
  for (let c = 0; c < chunks; c++) {
    const chunk = sequences.slice(c * options.chunk, (c + 1) * options.chunk);
    const stage = (k: number, label: string) => progressSpan(control, (c * runs + k) / (chunks * runs), (c * runs + k + 1) / (chunks * runs), label);
    throwIfCancelled(control.signal);
    const states = new Map<number, LayerStates>();
    const base = await engine.run(chunk, {
      blockSequence: all,
      onStates: kept.size
        ? (k, s) => {
            if (kept.has(k)) states.set(k, s);
          }
        : undefined,
      control: stage(0, `Baseline, sequences ${c * options.chunk + 1}-${c * options.chunk + chunk.length} of ${sequences.length}`),
    });
    baseline.push(...base.tokenLogProbs);
    run += layers;
    uncached += layers;
    for (const [i, blocks] of options.layouts.entries()) {
      throwIfCancelled(control.signal);
      const p = starts[i];
      const rest = blocks.slice(p);
      const result = await engine.run(chunk, {
        blockSequence: rest,
        startFrom: p > 0 ? states.get(p) : undefined,
        control: stage(i + 1, `Probe ${i + 1} of ${options.layouts.length}`),
      });
      probes[i].push(...result.tokenLogProbs);
      run += rest.length;
      uncached += blocks.length;
    }
  }
  return { baseline, probes, blockRuns: { run, uncached } };
}
