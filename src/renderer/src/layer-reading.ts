/**
 * The Analyze step's plain-language reading of its curves, computed from the numbers. Thresholds
 * are relative to what was measured, so they read the same on any model: a layer "changes the
 * text most" when its value lies in the top third of the measured range, "least" in the bottom
 * third. The shallow half is the layers below firstDeepLayer, as in the plan rules.
 */
import { firstDeepLayer, type LayerScores, type Plan } from '../../shared/plan';
import { IMPORTANCE_METRICS, type ImportanceMetric } from '../../shared/analysis-charts';
import type { ProbeResult } from '../../shared/analysis';
import { layerList } from '../../shared/layer-words';

export { layerList };

/** Domain and general curves differing by less than this are "nearly the same". */
export const SAME_CURVE_GAP = 0.05;

export interface Extremes {
  min: number;
  max: number;
  /** Values at or above this are in the top third of the range; at or below `low`, the bottom third. */
  high: number;
  low: number;
  most: number[];
  least: number[];
}

/** Layers in the top and bottom thirds of the measured range (by index, ascending). */
export function extremes(values: number[]): Extremes {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const third = (max - min) / 3;
  const high = max - third;
  const low = min + third;
  const pick = (keep: (v: number) => boolean) => values.flatMap((v, i) => (keep(v) ? [i] : []));
  return { min, max, high, low, most: pick((v) => v >= high), least: pick((v) => v <= low) };
}

/** The verb form that agrees with layerList(indices): "changes" for one layer, "change" for several. */
const agree = (indices: number[], one: string, many: string) => (indices.length === 1 ? one : many);

const fixed = (x: number) => x.toFixed(2);
/** "0.33-0.41", or one number when the group's values round alike. */
function span(values: number[], format: (x: number) => string = fixed): string {
  const lo = format(Math.min(...values));
  const hi = format(Math.max(...values));
  return lo === hi ? lo : `${lo} to ${hi}`;
}
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export interface ScoresReading {
  most: number[];
  least: number[];
  /** Deep-half layers that change the text least: what the plan removes first. */
  removable: number[];
  /** The shallow half changes the text more, on average, than the deep half (the paper's finding). */
  matchesPaper: boolean;
  sentences: string[];
  /** How the thresholds were chosen, in words. */
  thresholds: string;
}

export function readScores(domain: LayerScores, general: LayerScores | null, metric: ImportanceMetric): ScoresReading {
  const what = IMPORTANCE_METRICS[metric].label;
  const values = domain.layers.map((l) => l[metric]);
  const L = values.length;
  const deep = firstDeepLayer(L);
  const x = extremes(values);
  const sentences: string[] = [];
  const thresholds = `"Most" means the top third of the measured range (${fixed(x.min)} to ${fixed(x.max)}), "least" the bottom third; the shallow half is layers 0-${deep - 1}, the deep half layers ${deep}-${L - 1}.`;

  if (x.max - x.min < 0.01) {
    sentences.push(`Every layer changes the text about equally (${what} ${span(values)}), so the scores give no layer a clear preference.`);
    return { most: [], least: [], removable: [], matchesPaper: false, sentences, thresholds };
  }
  const at = (group: number[]) => span(group.map((i) => values[i]));
  sentences.push(
    `${capital(layerList(x.most))} ${agree(x.most, 'changes', 'change')} the text most (${what} ${at(x.most)}); ${layerList(x.least)} ${agree(x.least, 'changes', 'change')} it least (${at(x.least)}).`,
  );

  const deepLeast = x.least.filter((i) => i >= deep);
  const deepValues = values.slice(deep);
  const removable = deepLeast.length ? deepLeast : [deep + deepValues.indexOf(Math.min(...deepValues))];
  sentences.push(
    `In the deep half, ${layerList(removable)} ${agree(removable, 'changes', 'change')} it least (${at(removable)}), so ${agree(removable, 'it is the first candidate', 'they are the first candidates')} to remove.`,
  );

  const shallowMean = mean(values.slice(0, deep));
  const deepMean = mean(deepValues);
  const matchesPaper = shallowMean > deepMean;
  const averages = `on average the shallow half changes the text by ${fixed(shallowMean)} and the deep half by ${fixed(deepMean)}`;
  sentences.push(
    matchesPaper
      ? `This matches the paper: ${averages}, so shallow layers matter most and new blocks belong there.`
      : `This differs from the paper, where shallow layers mattered most: ${averages}. Check the behaviour probes below before removing layers.`,
  );

  if (general) {
    const gaps = general.layers.map((l, i) => Math.abs(values[i] - l[metric]));
    const widest = gaps.indexOf(Math.max(...gaps));
    sentences.push(
      gaps[widest] < SAME_CURVE_GAP
        ? `General text gives nearly the same curve (the largest gap is ${fixed(gaps[widest])}, at layer ${widest}), so the layers treat your documents and everyday text alike.`
        : `The curves differ most at layer ${widest} (domain ${fixed(values[widest])}, general ${fixed(general.layers[widest][metric])}): that layer treats your documents differently from everyday text.`,
    );
  }
  return {
    most: x.most,
    least: x.least,
    removable,
    matchesPaper,
    sentences,
    thresholds: `${thresholds}${general ? ` Curves count as nearly the same when they differ by less than ${SAME_CURVE_GAP} everywhere.` : ''}`,
  };
}

/** "+138%", "-0.4%": a change against the unchanged model. */
export function percent(change: number): string {
  const p = change * 100;
  const digits = Math.abs(p) >= 10 ? 0 : 1;
  return `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(digits)}%`;
}

export interface ProbeReading {
  /** Relative perplexity change of each variant against the unchanged model. */
  changes: number[];
  most: number[];
  least: number[];
  matchesPaper: boolean;
  sentences: string[];
}

/** Reads one probe curve: which one-layer changes hurt perplexity most and least, and the paper's comparison. */
export function readProbe(probe: ProbeResult): ProbeReading {
  const base = probe.baseline.perplexity;
  const changes = probe.layers.map((l) => l.perplexity / base - 1);
  const x = extremes(changes);
  const verb = probe.kind === 'drop' ? 'Removing' : `Inserting a block (${probe.init ?? 'copy'}) after`;
  const at = (group: number[]) =>
    span(
      group.map((i) => changes[i]),
      percent,
    );
  const deep = firstDeepLayer(changes.length);
  const shallowMean = mean(changes.slice(0, deep));
  const deepMean = mean(changes.slice(deep));
  const matchesPaper = shallowMean > deepMean;
  // The least harmful changes may even help (perplexity below the unchanged model's): say so rather than "least".
  const leastWords = Math.max(...x.least.map((i) => changes[i])) < 0 ? 'even lowers it' : 'raises it least';
  const sentences = [
    `${verb} ${layerList(x.most)} ${x.max > 0 ? 'raises perplexity most' : 'lowers perplexity least'} (${at(x.most)} against the unchanged model's ${base.toFixed(1)}); ${verb.toLowerCase()} ${layerList(x.least)} ${leastWords} (${at(x.least)}).`,
    matchesPaper
      ? `Shallow layers are the more sensitive half (average ${percent(shallowMean)} against ${percent(deepMean)} for the deep half), as in the paper.`
      : `Unlike the paper, the deep half is as sensitive as the shallow half or more (average ${percent(deepMean)} against ${percent(shallowMean)}).`,
  ];
  return { changes, most: x.most, least: x.least, matchesPaper, sentences };
}

const STRATEGY_WORDS: Record<Plan['strategy'], string> = {
  s: 'S',
  'llama-pro': 'LLaMA Pro',
  'last-k': 'last-k',
  full: 'full fine-tuning',
  manual: 'manual',
};

/**
 * Which rule the saved plan deleted its layers by, in one sentence beside what the scores say
 * (`removable`, readScores' first candidates), so the reading never suggests that the scores
 * chose layers the plan deleted for another reason.
 */
export function readPlanRule(plan: Plan | null, removable: number[]): string {
  const byScores = removable.length ? `by these scores alone, the first candidates would be ${layerList(removable)}` : '';
  if (!plan) {
    return `No plan is saved yet. The recommended plan deletes the deepest layers, as the paper does${byScores ? `; ${byScores}` : ''}. The Plan step lets you choose the rule.`;
  }
  const what = `The saved ${STRATEGY_WORDS[plan.strategy]} plan`;
  if (plan.removed.length === 0) return `${what} deletes no layer.`;
  const removed = layerList(plan.removed);
  switch (plan.settings.pruneBy) {
    case 'deepest':
      return `${what} deletes ${removed} by the paper's rule (the deepest layers), not by these scores${byScores ? `; ${byScores}` : ''}.`;
    case 'scores':
      return `${what} deletes ${removed} by the scores rule: the deep layers with the lowest ${plan.settings.scoreMetric ?? 'score'} one by one.`;
    case 'gromov':
      return `${what} deletes ${removed} by the gromov rule: the run of deep layers whose removal changes the representation least.`;
    case 'list':
      return `${what} deletes ${removed}, listed by hand.`;
  }
}
