/** Layer importance: angular distance and Block Influence scores, drop-one / insert-one probes. */
export { defaultSpans, scoreLayers, SCORE_SAMPLES, SCORE_SEQ_LEN } from './score.js';
export type { ScoreOptions, ScoreResult } from './score.js';
export { probeLayers, PROBE_SAMPLES, PROBE_SEQ_LEN } from './probe.js';
export type { ProbeLayer, ProbeMeasure, ProbeOptions, ProbeResult } from './probe.js';
export { PROBE_INITS, PROBE_KINDS, probeLayout } from './probe-layouts.js';
export type { ProbeInit, ProbeKind, ProbeLayout } from './probe-layouts.js';
