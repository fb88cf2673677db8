/**
 * `inspect`: what a model folder holds and whether this machine can analyse and train it.
 * Opening the folder validates config, every safetensors header and every required tensor, so a
 * model that inspects cleanly can be scored, planned, cut and trained.
 */
import { fitOnMachine, machineMemory, makePlan, trainingMemory } from '../plan/index.js';
import type { MachineMemory } from '../../shared/estimate.js';
import type { InspectResult, ModelDescription } from '../../shared/model.js';
import { ModelFolder } from '../model/folder.js';
import { blockParameters, globalParameters, modelParameters, modelShape } from '../model/tensors.js';

/** What the memory estimates assume: `score`'s and `plan`'s CLI defaults, scoring in batches of 8. */
export const ANALYSIS_DEFAULTS = { samples: 64, seqLen: 128, batch: 8 } as const;
export const TRAINING_DEFAULTS = { batch: 1, seqLen: 512 } as const;

export async function inspectModel(dir: string, machine: MachineMemory = machineMemory()): Promise<InspectResult> {
  const folder = await ModelFolder.open(dir);
  try {
    const m = folder.description;
    const analyse = analysisMemoryBytes(m);
    const plan = makePlan(m, { strategy: 's' });
    const train = trainingMemory(plan, m, TRAINING_DEFAULTS.batch, TRAINING_DEFAULTS.seqLen).totalBytes;
    return {
      ...modelShape(m),
      family: m.family,
      maxPositionEmbeddings: m.maxPositionEmbeddings,
      parameters: modelParameters(m),
      dtype: folder.dtype.toLowerCase(),
      bytesOnDisk: folder.bytesOnDisk,
      hasTokenizer: folder.hasTokenizer,
      memory: {
        machine,
        analyse: {
          bytes: analyse,
          fit: fitOnMachine(analyse, machine),
          assumes: `scoring ${ANALYSIS_DEFAULTS.samples} samples of ${ANALYSIS_DEFAULTS.seqLen} tokens in fp32, one block loaded at a time`,
        },
        train: {
          bytes: train,
          fit: fitOnMachine(train, machine),
          assumes: `the default S plan (${plan.counts.layers} layers, ${plan.counts.trainableParameters.toLocaleString('en-US')} trainable parameters), fp32 AdamW, batch ${TRAINING_DEFAULTS.batch} x ${TRAINING_DEFAULTS.seqLen} tokens`,
        },
      },
    };
  } finally {
    await folder.close();
  }
}

/**
 * Memory for streaming analysis (scores, drop/insert probes), fp32, blocks loaded one at a time:
 *
 *   weights = 4 * (P_global + 2 * P_block)       embeddings, final norm and LM head stay loaded;
 *                                                one block runs while the next one loads
 *   hidden  = 4 * 2 * S*T*H                      every sample's hidden state into and out of the block
 *   working = 4 * B*T*(5H + 3q + 3kv + 4F)       one batch's block intermediates (as in trainingMemory)
 *           + 4 * B*heads*T^2 + 4 * B*T*V        its attention probabilities, and logits for perplexity
 *
 * with S samples of T tokens run in batches of B, q = heads*headDim, kv = kvHeads*headDim.
 */
export function analysisMemoryBytes(m: ModelDescription, o: { samples: number; seqLen: number; batch: number } = ANALYSIS_DEFAULTS): number {
  const [S, T, B, H, F] = [o.samples, o.seqLen, o.batch, m.hiddenSize, m.intermediateSize];
  const q = m.heads * m.headDim;
  const kv = m.kvHeads * m.headDim;
  const weights = globalParameters(m) + 2 * blockParameters(m);
  const hidden = 2 * S * T * H;
  const working = B * T * (5 * H + 3 * q + 3 * kv + 4 * F) + B * m.heads * T * T + B * T * m.vocabSize;
  return 4 * (weights + hidden + working);
}
