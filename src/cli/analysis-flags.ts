/**
 * What the commands that analyse layers (score, probe) add to their schema's flags: the longer
 * explanation of --precision, where quick scans keep their int8 weights, and the summary line's
 * words for the precision.
 */
import { join, resolve } from 'node:path';
import type { ScoreResult } from '../shared/analysis.js';
import { defaultHome } from '../main/settings.js';

export const ANALYSIS_DETAILS = [
  '--precision int8: a quick scan. Weight matrices quantised to int8 per output channel, activations per token, sums exact in int32,',
  '  the rest in fp32; several times faster where the CPU multiplies int8 quickly (VNNI, AMX). Agreement with fp32: docs/analysis.md.',
  `--weight-cache DIR: where quick scans keep the int8 weights, one entry per model (default ${join('<SLAYER_HOME>', 'weight-cache')}; none: keep nothing).`,
];

/** The folder --weight-cache names (default <SLAYER_HOME>/weight-cache), or undefined for "none". */
export function weightCacheFolder(flag: string | undefined): string | undefined {
  return flag === 'none' ? undefined : resolve(flag ?? join(defaultHome(), 'weight-cache'));
}

/** "fp32", or "int8 quick scan (weights from the cache)" for the summary line. */
export function precisionWords(r: Pick<ScoreResult, 'precision' | 'quick' | 'memory'>): string {
  // On a GPU the fp32 scan computes at the adapter's precision (fp16 where it has shader-f16).
  const onGpu = r.memory.placement?.provider === 'webgpu' ? r.memory.placement.precision : null;
  if (onGpu) return `${onGpu} on the GPU`;
  if (r.precision === 'fp32' || !r.quick) return r.precision;
  return `int8 quick scan (weights ${r.quick.source === 'cache' ? 'read from the cache' : `quantised in ${r.quick.seconds.toFixed(1)} s`})`;
}
