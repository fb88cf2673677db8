/**
 * The two documents SLayer Studio writes that other tools read, as zod schemas: plan.json (the
 * injection plan, src/shared/plan.ts) and slayer.json (what a surgery output folder is and where
 * it came from, written by src/main/surgery/record.ts). docs/formats.md publishes them as JSON
 * Schema (z.toJSONSchema); tests check the schemas against the TypeScript types and against files
 * the code writes.
 */
import { z } from 'zod';
import { PLAN_STRATEGIES, PLAN_VERSION, PRUNE_RULES, REFRESH_CHOICES, SCORE_METRICS } from './plan.js';

const index = z.number().int().min(0);
const count = z.number().int().min(0);

const layerScore = z.object({ index, angularLast: z.number(), angularMean: z.number(), blockInfluence: z.number() });

export const planSchema = z
  .object({
    version: z.literal(PLAN_VERSION),
    strategy: z.enum(PLAN_STRATEGIES),
    base: z
      .object({
        architecture: z.string(),
        layers: count,
        hiddenSize: count,
        intermediateSize: count,
        heads: count,
        kvHeads: count,
        headDim: count,
        vocabSize: count,
        tiedEmbeddings: z.boolean(),
        parameters: count,
        attentionBias: z.boolean(),
        mlpBias: z.boolean(),
      })
      .describe('The model the plan was made for: a plan applied to a different model is refused.'),
    layers: z
      .array(
        z.object({
          index: index.describe('0-based index in the resulting model; equals the position in layers'),
          source: z.union([index, z.array(index)]).describe('original index of a kept or refreshed block; the original indices a new block comes from'),
          kind: z.enum(['kept', 'new', 'refreshed']),
          trainable: z.boolean(),
          init: z.object({
            method: z.enum(['copy', 'average', 'mean-of']),
            from: z.array(index).describe('original layers whose tensors are averaged element-wise'),
            zeroed: z.array(z.string()).describe('block tensor suffixes set to zero after averaging, e.g. self_attn.o_proj.weight'),
          }),
        }),
      )
      .describe('The resulting model, block by block'),
    removed: z.array(index).describe('original indices deleted, ascending'),
    trainGlobals: z.boolean().describe('embeddings, final norm and LM head are trained too (full fine-tuning only)'),
    counts: z.object({ layers: count, parameters: count, trainableParameters: count }),
    scores: z
      .object({
        layers: z.array(layerScore),
        spans: z.array(z.object({ span: z.number().int().min(1), layers: z.array(layerScore) })).optional(),
        samples: count,
        seqLen: count,
        dataHash: z.string(),
      })
      .optional()
      .describe('the layer scores the plan was chosen from (slayer score --json)'),
    settings: z.object({
      paper: z.boolean(),
      expand: count,
      expandAfter: z.array(index),
      prune: count,
      pruneBy: z.enum([...PRUNE_RULES, 'list']),
      scoreMetric: z.enum(SCORE_METRICS).nullable(),
      refresh: z.enum(REFRESH_CHOICES),
      lastK: count.nullable(),
      budgetParameters: count.nullable(),
      spec: z.string().nullable(),
    }),
    notes: z.array(z.string()).describe('choices the layout alone does not explain, in words'),
  })
  .meta({ title: 'plan.json', description: 'An injection plan: layer by layer, what the new model is made of (slayer plan, the Plan step).' });

const comparedLogits = z.object({ maxAbsDiff: z.number(), tolerance: z.number(), passed: z.boolean() });

export const surgeryRecordSchema = z
  .object({
    version: z.literal(1),
    tool: z.object({ name: z.string(), version: z.string() }),
    source: z.object({
      path: z.string().describe('absolute path of the base model folder at the time of surgery'),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .describe('SHA-256 over "sha256  path\\n" lines of files in path order (sha256sum format)'),
      files: z.array(z.object({ path: z.string(), bytes: count, sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
    }),
    plan: planSchema,
    layers: count,
    parameters: count,
    trainableLayers: z.array(index).describe('0-based indices, in the new model, of the blocks to train'),
    trainGlobals: z.boolean(),
    functionCheck: z.union([
      z.object({
        checked: z.literal(true),
        passed: z.boolean(),
        maxAbsDiff: z.number(),
        tolerance: z.number(),
        newBlocks: comparedLogits.nullable(),
        reference: z.string(),
        sequences: count,
        tokens: count,
      }),
      z.object({ checked: z.literal(false), reason: z.string() }),
    ]),
    training: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('added by slayer train: the training record (settings, history, inputs; see the table above)'),
  })
  .meta({ title: 'slayer.json', description: 'What a model folder made by slayer apply is, where it came from, and which blocks train.' });

/** The JSON Schema (draft 2020-12) of each published document, by file name. */
export function formatJsonSchemas(): Record<'plan.json' | 'slayer.json', unknown> {
  return { 'plan.json': z.toJSONSchema(planSchema), 'slayer.json': z.toJSONSchema(surgeryRecordSchema) };
}
