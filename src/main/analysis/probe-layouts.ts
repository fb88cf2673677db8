/**
 * The block sequences of the behavioural probes (docs/cli.md, slayer probe), in the
 * forward engine's terms: a list of original layer indices, where { mean: [i, j] } is a new
 * block made of the element-wise mean of layers i and j.
 *   drop-one after removing block i:   0 .. i-1, i+1 .. L-1  (the residual stream skips it)
 *   insert-one after block i, "copy":  0 .. i, i, i+1 .. L-1
 *   insert-one after block i, "average": 0 .. i, mean(i, i+1), i+1 .. L-1
 * Inserted blocks keep full weights (not zeroed: a zeroed block is an exact identity and would
 * measure nothing). After the last block there is no i+1 to average with, so "average" falls
 * back to a copy there.
 */
import type { BlockSource } from '../engine/forward-engine.js';
import type { ProbeInit, ProbeKind } from '../../shared/analysis.js';

export { PROBE_INITS, PROBE_KINDS, type ProbeInit, type ProbeKind } from '../../shared/analysis.js';

export interface ProbeLayout {
  blocks: BlockSource[];
  /** How the inserted block was made ("copy" where "average" had to fall back); null for drop. */
  init: ProbeInit | null;
}

export function probeLayout(layers: number, index: number, kind: ProbeKind, init: ProbeInit): ProbeLayout {
  const all = Array.from({ length: layers }, (_, i) => i);
  if (kind === 'drop') return { blocks: all.filter((i) => i !== index), init: null };
  const used: ProbeInit = init === 'average' && index + 1 < layers ? 'average' : 'copy';
  const inserted: BlockSource = used === 'average' ? { mean: [index, index + 1] } : index;
  return { blocks: [...all.slice(0, index + 1), inserted, ...all.slice(index + 1)], init: used };
}
