/**
 * Layer-importance scores as a plan input: reading the `slayer score --json` document and
 * choosing the least important layers from it.
 */
import { UserError } from '../../shared/errors.js';
import { SCORE_METRICS, type LayerScore, type LayerScores, type ScoreMetric } from '../../shared/plan.js';
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
  const scored: LayerScore[] = doc.layers.map((raw: unknown, position: number) => {
    const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (entry.index !== position) throw bad(`layers[${position}].index must be ${position}`);
    for (const metric of SCORE_METRICS) {
      if (typeof entry[metric] !== 'number' || !Number.isFinite(entry[metric])) {
        throw bad(`layers[${position}].${metric} must be a number`);
      }
    }
    return {
      index: position,
      angularLast: entry.angularLast as number,
      angularMean: entry.angularMean as number,
      blockInfluence: entry.blockInfluence as number,
    };
  });
  const whole = (key: string) => {
    const v = doc[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw bad(`"${key}" must be a positive whole number`);
    return v;
  };
  if (typeof doc.dataHash !== 'string' || doc.dataHash === '') throw bad('"dataHash" must name the data the scores came from');
  return { layers: scored, samples: whole('samples'), seqLen: whole('seqLen'), dataHash: doc.dataHash };
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
