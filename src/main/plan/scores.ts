/**
 * Layer-importance scores as a plan input: reading the `slayer score --json` document and
 * choosing the least important layers from it.
 */
import { UserError } from '../../shared/errors.js';
import { SCORE_METRICS, type LayerScore, type LayerScores, type ScoreMetric, type SpanScores } from '../../shared/plan.js';
import { readJsonFile } from './json-file.js';

export async function readScores(file: string, layers: number): Promise<LayerScores> {
  return parseScores(await readJsonFile(file, `Make it with: slayer score MODEL --data DATA --json > ${file}`), layers, file);
}

/** Checks a scores document against a model of `layers` blocks: one finite entry per layer. */
export function parseScores(json: unknown, layers: number, file = 'The scores'): LayerScores {
  const bad = (what: string) => new UserError(`${file}: ${what}. It should be the output of slayer score --json for this model.`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('expected a JSON object');
  const doc = json as Record<string, unknown>;
  if (!Array.isArray(doc.layers)) throw bad('"layers" must be a list');
  if (doc.layers.length !== layers) throw bad(`it scores ${doc.layers.length} layers but the model has ${layers}`);
  const entries = (list: unknown[], at: string): LayerScore[] =>
    list.map((raw: unknown, position: number) => {
      const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      if (entry.index !== position) throw bad(`${at}[${position}].index must be ${position}`);
      for (const metric of SCORE_METRICS) {
        if (typeof entry[metric] !== 'number' || !Number.isFinite(entry[metric])) {
          throw bad(`${at}[${position}].${metric} must be a number`);
        }
      }
      return {
        index: position,
        angularLast: entry.angularLast as number,
        angularMean: entry.angularMean as number,
        blockInfluence: entry.blockInfluence as number,
      };
    });
  const scored = entries(doc.layers, 'layers');
  const spans = doc.spans === undefined ? [] : parseSpans(doc.spans, layers, entries, bad);
  const whole = (key: string) => {
    const v = doc[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw bad(`"${key}" must be a positive whole number`);
    return v;
  };
  if (typeof doc.dataHash !== 'string' || doc.dataHash === '') throw bad('"dataHash" must name the data the scores came from');
  return { layers: scored, ...(spans.length ? { spans } : {}), samples: whole('samples'), seqLen: whole('seqLen'), dataHash: doc.dataHash };
}

/** n-layer distances: each span n from 2 to the depth once, with one entry per start l = 0 .. L-n. */
function parseSpans(json: unknown, layers: number, entries: (list: unknown[], at: string) => LayerScore[], bad: (what: string) => UserError): SpanScores[] {
  if (!Array.isArray(json)) throw bad('"spans" must be a list');
  const seen = new Set<number>();
  return json.map((raw: unknown, k) => {
    const doc = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const span = doc.span;
    if (typeof span !== 'number' || !Number.isInteger(span) || span < 2 || span > layers)
      throw bad(`spans[${k}].span must be a whole number from 2 to ${layers}`);
    if (seen.has(span)) throw bad(`spans lists n = ${span} twice`);
    seen.add(span);
    if (!Array.isArray(doc.layers) || doc.layers.length !== layers - span + 1) {
      throw bad(`spans[${k}].layers must have ${layers - span + 1} entries (starts 0 to ${layers - span})`);
    }
    return { span, layers: entries(doc.layers, `spans[${k}].layers`) };
  });
}

/**
 * The `count` least important of `candidates`. All three metrics measure how much a block
 * changes its input (angular distance, 1 - cosine), so the smallest value marks the block that
 * does least. Ties go to the deeper layer, the one the paper finds safer to remove.
 */
export function leastImportant(scores: LayerScores, metric: ScoreMetric, candidates: readonly number[], count: number): number[] {
  return [...candidates]
    .sort((a, b) => scores.layers[a][metric] - scores.layers[b][metric] || b - a)
    .slice(0, count)
    .sort((a, b) => a - b);
}
