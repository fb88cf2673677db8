/**
 * Flags of the commands that analyse layers (score, probe): the precision of the products, and
 * where quick scans keep their int8 weights.
 */
import { join, resolve } from 'node:path';
import { ANALYSIS_PRECISIONS, type ScoreResult } from '../shared/analysis.js';
import type { AnalysisSettings } from '../main/analysis/analysis-session.js';
import { defaultHome } from '../main/settings.js';
import type { OptionSpec } from './command.js';
import { choiceFlag, stringFlag } from './args.js';

type Values = Record<string, string | boolean | string[] | undefined>;

export const ANALYSIS_FLAGS: OptionSpec = {
  precision: { type: 'string' },
  'weight-cache': { type: 'string' },
};
export const ANALYSIS_USAGE = '[--precision fp32|int8] [--weight-cache DIR|none]';
export const ANALYSIS_DETAILS = [
  '--precision int8: a quick scan. Weight matrices quantised to int8 per output channel, activations per token, sums exact in int32,',
  '  the rest in fp32; several times faster where the CPU multiplies int8 quickly (VNNI, AMX). Agreement with fp32: docs/analysis.md.',
  `--weight-cache DIR: where quick scans keep the int8 weights, one entry per model (default ${join('<SLAYER_HOME>', 'weight-cache')}; none: keep nothing).`,
];

export function analysisSettings(values: Values): Pick<AnalysisSettings, 'precision' | 'weightCache'> {
  const cache = stringFlag(values, 'weight-cache');
  return {
    precision: choiceFlag(values, 'precision', ANALYSIS_PRECISIONS, 'fp32'),
    weightCache: cache === 'none' ? undefined : resolve(cache ?? join(defaultHome(), 'weight-cache')),
  };
}

/** "fp32", or "int8 quick scan (weights from the cache)" for the summary line. */
export function precisionWords(r: Pick<ScoreResult, 'precision' | 'quick' | 'memory'>): string {
  // On a GPU the fp32 scan computes at the adapter's precision (fp16 where it has shader-f16).
  const onGpu = r.memory.placement?.provider === 'webgpu' ? r.memory.placement.precision : null;
  if (onGpu) return `${onGpu} on the GPU`;
  if (r.precision === 'fp32' || !r.quick) return r.precision;
  return `int8 quick scan (weights ${r.quick.source === 'cache' ? 'read from the cache' : `quantised in ${r.quick.seconds.toFixed(1)} s`})`;
}
