/**
 * The S strategy's three rules for which deep layers to delete (PRUNE_RULES in src/shared/plan.ts),
 * each returning the layers and one sentence saying why those. Only the deep half (layers from
 * firstDeepLayer on) is ever a candidate: the paper finds the shallow layers matter most.
 *
 *   deepest  the K deepest layers, L-K .. L-1 (the paper's rule).
 *   scores   the K deep-half layers with the lowest single-layer score s_i (ShortGPT-like).
 *            On real Llamas the last layer has a large angular distance, so this rule keeps it
 *            and deletes middle-deep layers instead: not what the paper does.
 *   gromov   the run l .. l+K-1 minimising d(h_l, h_{l+K}) over deep-half starts l with
 *            l+K <= L (Gromov et al.): removing the run joins h_l directly to what followed
 *            h_{l+K}, so the smaller that distance, the less the removal changes.
 * Ties go to the deeper layer or run, the one the paper finds safer to remove.
 */
import { UserError } from '../../shared/errors.js';
import { firstDeepLayer, type LayerScores, type PruneRule, type ScoreMetric } from '../../shared/plan.js';
import { layerList } from '../../shared/layer-words.js';
import { leastImportant } from './scores.js';

export interface PruneChoice {
  removed: number[];
  /** Which rule chose these layers and why, in words (goes into the plan's notes). */
  note: string;
}

const value = (x: number) => x.toFixed(3);

export function chooseRemoved(rule: PruneRule, layers: number, count: number, scores: LayerScores | undefined, metric: ScoreMetric): PruneChoice {
  const deep = Array.from({ length: layers - firstDeepLayer(layers) }, (_, k) => firstDeepLayer(layers) + k);
  if (count === 0) return { removed: [], note: `No layer is deleted (0 asked for), so the ${rule} rule chose nothing.` };
  if (rule === 'deepest') {
    const removed = deep.slice(deep.length - count);
    return { removed, note: `Deleted by the deepest rule (the paper's): the ${count === 1 ? '' : `${count} `}deepest ${layerList(removed)}.` };
  }
  if (!scores) {
    throw new UserError(
      `The ${rule} rule chooses layers from measured scores, and none were given. Measure them first (slayer score MODEL --data DATA --json > scores.json, then --scores scores.json; or the Analyze step), or use --prune deepest, the paper's rule.`,
    );
  }
  if (rule === 'scores') {
    const removed = leastImportant(scores, metric, deep, count);
    const listed = removed.map((i) => `${i}: ${value(scores.layers[i][metric])}`).join(', ');
    return {
      removed,
      note: `Deleted by the scores rule: the ${count} deep-half layers with the lowest single-layer ${metric} (${listed}), not necessarily the deepest.`,
    };
  }
  return gromovRun(scores, metric, deep, count, layers);
}

/** d(h_l, h_{l+n}) for every start l the scores hold, by metric; n = 1 is the single-layer scores. */
function spanDistances(scores: LayerScores, span: number, metric: ScoreMetric): number[] | null {
  if (span === 1) return scores.layers.map((l) => l[metric]);
  const found = scores.spans?.find((s) => s.span === span);
  return found ? found.layers.map((l) => l[metric]) : null;
}

function gromovRun(scores: LayerScores, metric: ScoreMetric, deep: readonly number[], count: number, layers: number): PruneChoice {
  const distances = spanDistances(scores, count, metric);
  if (!distances) {
    const held = scores.spans?.length ? `they hold n = ${scores.spans.map((s) => s.span).join(', ')}` : 'they hold single-layer scores only';
    throw new UserError(
      `The gromov rule deletes a run of ${count} layers by the distance d(h_l, h_l+${count}), which these scores do not have (${held}). Measure it with slayer score MODEL --data DATA --spans ${count} --json (the Analyze step measures runs as long as the default number of deleted layers), or delete the default number.`,
    );
  }
  const starts = deep.filter((l) => l + count <= layers);
  const ranked = [...starts].sort((a, b) => distances[a] - distances[b] || b - a);
  const [best, next] = ranked;
  const removed = Array.from({ length: count }, (_, k) => best + k);
  const runnerUp = next === undefined ? '' : `; the next best run starts at layer ${next}, ${value(distances[next])}`;
  return {
    removed,
    note: `Deleted by the gromov rule: ${layerList(removed)}, the run of ${count} whose removal changes the representation least (${metric} d(h_${best}, h_${best + count}) = ${value(distances[best])}${runnerUp}).`,
  };
}
