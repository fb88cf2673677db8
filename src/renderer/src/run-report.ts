/**
 * The run report (report.json / report.html) the Evaluate step saves: the base model and the
 * injected model measured on the same held-out text with the same settings. The step knows the
 * measurements, both models' shapes, the project's plan and, when a 'train' job of the app made
 * the injected model, that job's result; what it does not know is left empty and said in the
 * findings.
 */
import type { EvaluateResult } from '../../shared/evaluation';
import type { TrainResult } from '../../shared/training';
import type { Domain } from '../../shared/api';
import type { InspectResult } from '../../shared/model';
import type { LayerScores, Plan } from '../../shared/plan';
import { measurementOf } from '../../shared/measurement';
import { REPORT_VERSION, type RunReport, type StrategyRun } from '../../shared/report';
import { reportFindings } from '../../shared/report-findings';

export const BASE_LABEL = 'base';
export const INJECTED_LABEL = 'injected model';

export interface EvaluatedModel {
  dir: string;
  info: InspectResult;
  domain: EvaluateResult;
  general: EvaluateResult;
}

export interface ReportParts {
  domain: Domain;
  createdAt: string;
  base: EvaluatedModel & { sourceHash: string };
  injected: EvaluatedModel;
  /** The project's saved plan; used only when it describes the injected model. */
  plan: Plan | null;
  /** The 'train' job result that wrote the injected model, when there is one. */
  training: TrainResult | null;
  data: { domain: string; general: string; domainQa: string | null; generalQa: string | null };
  scores: { domain: LayerScores | null; general: LayerScores | null };
  threshold: number;
}

/** The plan, when the injected model has exactly the depth and size it describes. */
export function planOfModel(plan: Plan | null, info: InspectResult): Plan | null {
  return plan && plan.counts.layers === info.layers && plan.counts.parameters === info.parameters ? plan : null;
}

const NO_SCORES: LayerScores = { layers: [], samples: 0, seqLen: 0, dataHash: '' };

export function buildRunReport(p: ReportParts): RunReport {
  const plan = planOfModel(p.plan, p.injected.info);
  const t = p.training;
  const run: StrategyRun = {
    strategy: plan?.strategy ?? 'manual',
    label: INJECTED_LABEL,
    counts: plan?.counts ?? { layers: p.injected.info.layers, parameters: p.injected.info.parameters, trainableParameters: 0 },
    trainableLayers: t?.trainableLayers ?? (plan ? plan.layers.filter((l) => l.trainable).map((l) => l.index) : []),
    removedLayers: plan?.removed ?? [],
    training: t
      ? { steps: t.steps, losses: t.losses, tokensPerSecond: t.tokensPerSecond, trainableParameters: t.trainableParameters, seconds: t.seconds }
      : { steps: 0, losses: [], tokensPerSecond: 0, trainableParameters: plan?.counts.trainableParameters ?? 0, seconds: 0 },
    after: measurementOf(p.injected.domain, p.injected.general),
    modelDir: p.injected.dir,
  };
  const seconds = (m: EvaluatedModel) => m.domain.seconds + m.general.seconds;
  const partial: Omit<RunReport, 'findings'> = {
    version: REPORT_VERSION,
    createdAt: p.createdAt,
    domain: p.domain,
    model: {
      dir: p.base.dir,
      architecture: p.base.info.architecture,
      layers: p.base.info.layers,
      parameters: p.base.info.parameters,
      sourceHash: p.base.sourceHash,
    },
    data: { ...p.data, seqLen: p.base.domain.seqLen, seed: p.base.domain.seed },
    scores: { domain: p.scores.domain ?? p.plan?.scores ?? NO_SCORES, general: p.scores.general },
    before: measurementOf(p.base.domain, p.base.general),
    runs: [run],
    timings: { ...(t ? { train: t.seconds } : {}), [`evaluate ${BASE_LABEL}`]: seconds(p.base), [`evaluate ${INJECTED_LABEL}`]: seconds(p.injected) },
    reused: [],
    exports: [],
  };
  const notes = [
    ...(plan ? [] : [`The project's saved plan does not describe the injected model, so its removed layers${t ? '' : ' and trained layers'} are not listed.`]),
    ...(t
      ? []
      : [
          'Training steps, losses and speed are not in this report: no training job of this app wrote the injected model, so its training record is not at hand.',
        ]),
  ];
  return { ...partial, findings: [...reportFindings(partial, p.threshold), ...notes] };
}
