/**
 * What the Inject step's component tests share: the tiny Llama's config (8 layers, as the e2e
 * tests' generated model), its recommended S plan, the project, and a job record as the history holds one.
 */
import { parseModelConfig } from '../../src/main/model/config.js';
import { makePlan } from '../../src/main/plan/index.js';
import type { Project } from '../../src/shared/api.js';
import type { JobRecord } from '../../src/shared/jobs.js';
import type { Plan } from '../../src/shared/plan.js';

export const model = parseModelConfig({
  architectures: ['LlamaForCausalLM'],
  num_hidden_layers: 8,
  hidden_size: 64,
  intermediate_size: 172,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 400,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
});
export const sPlan: Plan = makePlan(model, { strategy: 's' });
export const project: Project = { id: 'p1', name: 'Helpers', domain: 'code', createdAt: '', updatedAt: '', modelDir: '/m/base', dir: '/d/p1' };
/** Where the Inject step builds the S model of `project`. */
export const EXPANDED = '/d/p1/models/s-expanded';

/** A job of project p1 that started and ended at `at` and succeeded, unless `patch` says otherwise. */
export function finishedJob(
  kind: JobRecord['kind'],
  id: string,
  at: string,
  patch: Partial<Record<keyof JobRecord, unknown>> = {},
  params: Record<string, unknown> = {},
): JobRecord {
  return {
    id,
    kind,
    projectId: 'p1',
    state: 'succeeded',
    createdAt: at,
    startedAt: at,
    endedAt: at,
    progress: null,
    error: null,
    errorDetail: null,
    result: null,
    params,
    ...patch,
  } as JobRecord;
}
