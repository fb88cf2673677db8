/**
 * Hand-off to Axolotl: one config that trains exactly the plan's layers through
 * `unfrozen_parameters`. Axolotl (src/axolotl/utils/freeze.py, freeze_layers_except) freezes every
 * parameter and unfreezes those whose name matches one of the patterns, where every "." is
 * escaped to a literal dot and matching is re.match, i.e. anchored at the start of the name.
 * So "^model.layers.5." matches model.layers.5.* and not model.layers.50.*; a pattern written
 * with "\." or ".*" would be escaped into something else and match nothing.
 *
 * Attention is chosen with attn_implementation (Axolotl 0.18): flash_attention_2, or sdpa where
 * flash-attn is not installed; both keep packed documents apart. The boolean flash_attention key
 * older configs used is deprecated, and Axolotl refuses a config that sets both.
 */
import { optimizerYaml, CORPUS_PLACEHOLDER, DEEPSPEED_FILE, RECIPE, sequenceLength, type HandoffInput } from './handoff-recipe.js';
import { float, toYaml } from './yaml-lines.js';

export const AXOLOTL_CONFIG = 'slayer-axolotl.yml';
export const AXOLOTL_OUTPUT = 'output-axolotl';
/** Axolotl's attention key; flash_attention_2 needs the flash-attn package (installed by the README's extras). */
export const AXOLOTL_ATTENTION = { key: 'attn_implementation', value: 'flash_attention_2', fallback: 'sdpa' } as const;

/** Parameter-name patterns of the trainable tensors, one per layer (and the global tensors when trained). */
export function unfrozenParameters(input: HandoffInput): string[] {
  const layers = input.trainableLayers.map((i) => `^model.layers.${i}.`);
  return input.trainGlobals ? [...layers, '^model.embed_tokens.', '^model.norm.', '^lm_head.'] : layers;
}

export function axolotlConfig(input: HandoffInput): string {
  return toYaml([
    { comment: 'Axolotl config written by SLayer Studio: continued pre-training of exactly these layers' },
    { comment: `(0-based, this model): ${input.trainableLayers.join(', ')}${input.trainGlobals ? ', plus embeddings, final norm and LM head' : ''}.` },
    { comment: 'Everything else stays frozen. Commands: README-handoff.md.' },
    { blank: true },
    { key: 'base_model', value: input.modelPath, comment: 'change it when you copy the model to the cluster' },
    { key: 'strict', value: false },
    { blank: true },
    { key: 'datasets', mappings: [{ path: CORPUS_PLACEHOLDER, type: 'completion' }], comment: 'your corpus: one {"text": ...} per line' },
    { key: 'dataset_prepared_path', value: 'prepared-axolotl' },
    { key: 'val_set_size', value: float(0) },
    { key: 'output_dir', value: AXOLOTL_OUTPUT },
    { key: 'auto_resume_from_checkpoints', value: true, comment: 'a rerun resumes from the last checkpoint' },
    { key: 'sequence_len', value: sequenceLength(input.description) },
    { key: 'sample_packing', value: true },
    { key: 'pad_to_sequence_len', value: true },
    { key: AXOLOTL_ATTENTION.key, value: AXOLOTL_ATTENTION.value, comment: `needs the flash-attn package; without it use ${AXOLOTL_ATTENTION.fallback}` },
    { blank: true },
    { key: 'unfrozen_parameters', list: unfrozenParameters(input), comment: 'dots are literal; each pattern matches from the start of the name' },
    { blank: true },
    { comment: 'continued pre-training recipe: AdamW 0.9/0.95, 5% warmup, cosine, clip 1.0, bf16' },
    { key: 'micro_batch_size', value: RECIPE.microBatch },
    { key: 'gradient_accumulation_steps', value: RECIPE.gradientAccumulation },
    { key: 'num_epochs', value: RECIPE.epochs },
    { key: 'optimizer', value: 'adamw_torch' },
    { key: 'learning_rate', value: float(RECIPE.learningRate) },
    { key: 'lr_scheduler', value: RECIPE.scheduler },
    { key: 'warmup_ratio', value: float(RECIPE.warmupRatio) },
    ...optimizerYaml(),
    { key: 'logging_steps', value: RECIPE.loggingSteps },
    { key: 'save_steps', value: RECIPE.saveSteps },
    { key: 'deepspeed', value: DEEPSPEED_FILE },
  ]);
}
