/**
 * Hand-off to LLaMA-Factory: a training config, the dataset registry it reads, and a launcher
 * that trains exactly the plan's layers.
 *
 * Why a launcher: LLaMA-Factory's freeze tuning cannot take an explicit layer list. In
 * src/llamafactory/model/adapter.py, _setup_freeze_tuning trains layers
 * range(L - n, L) for freeze_trainable_layers = n > 0, range(-n) for n < 0, or every (L/n)-th
 * layer with use_llama_pro (L % n == 0 required); freeze_trainable_modules must name sub-modules
 * of a block (self_attn, mlp, ...) and freeze_extra_modules non-block modules (embed_tokens, norm,
 * lm_head). None of them selects layers 2, 5, 8, ... (the S layout); the maintainers' answer to
 * requests for it (hiyouga/LLaMA-Factory issues #6731, #8834) is to change the code. The launcher
 * does exactly that, and nothing else: it replaces _setup_freeze_tuning with a selection by the
 * explicit list, then runs LLaMA-Factory's own entry point (run_exp) on the config.
 *
 * The config names a module that does not exist in freeze_trainable_modules, so that stock
 * `llamafactory-cli train` stops with "Module slayer_explicit_layers is not found" instead of
 * silently training the last layers; the launcher never reads that key.
 */
import { optimizerYaml, CORPUS_PLACEHOLDER, DEEPSPEED_FILE, RECIPE, sequenceLength, type HandoffInput } from './handoff-recipe.js';
import { float, toYaml } from './yaml-lines.js';

export const LLAMAFACTORY_CONFIG = 'slayer-llamafactory.yaml';
export const LLAMAFACTORY_LAUNCHER = 'slayer_llamafactory.py';
export const LLAMAFACTORY_DATASETS = 'dataset_info.json';
export const EXPLICIT_LAYERS_GUARD = 'slayer_explicit_layers';
export const LLAMAFACTORY_OUTPUT = 'output-llamafactory';
const DATASET_NAME = 'slayer_corpus';

export function llamaFactoryConfig(input: HandoffInput): string {
  return toYaml([
    { comment: 'LLaMA-Factory config written by SLayer Studio: continued pre-training of exactly these layers' },
    { comment: `(0-based, this model): ${input.trainableLayers.join(', ')}${input.trainGlobals ? ', plus embeddings, final norm and LM head' : ''}.` },
    { comment: `Everything else stays frozen. Start it with ${LLAMAFACTORY_LAUNCHER} (see README-handoff.md), not llamafactory-cli.` },
    { blank: true },
    { comment: 'model' },
    { key: 'model_name_or_path', value: input.modelPath, comment: 'change it when you copy the model to the cluster' },
    { blank: true },
    { comment: 'method' },
    { key: 'stage', value: 'pt' },
    { key: 'do_train', value: true },
    { key: 'finetuning_type', value: 'freeze' },
    {
      key: 'freeze_trainable_modules',
      value: EXPLICIT_LAYERS_GUARD,
      comment: `deliberately no real module: only ${LLAMAFACTORY_LAUNCHER} can run this config`,
    },
    { blank: true },
    { comment: 'dataset' },
    { key: 'dataset', value: DATASET_NAME, comment: `${LLAMAFACTORY_DATASETS}: ${CORPUS_PLACEHOLDER}, one {"text": ...} per line; put your corpus there` },
    { key: 'dataset_dir', value: '.' },
    { key: 'cutoff_len', value: sequenceLength(input.description) },
    { key: 'preprocessing_num_workers', value: 16 },
    { blank: true },
    { comment: 'output' },
    { key: 'output_dir', value: LLAMAFACTORY_OUTPUT, comment: 'a rerun resumes from its last checkpoint' },
    { key: 'logging_steps', value: RECIPE.loggingSteps },
    { key: 'save_steps', value: RECIPE.saveSteps },
    { key: 'plot_loss', value: true },
    { blank: true },
    { comment: 'train (continued pre-training recipe: AdamW 0.9/0.95, 5% warmup, cosine, clip 1.0, bf16)' },
    { key: 'per_device_train_batch_size', value: RECIPE.microBatch },
    { key: 'gradient_accumulation_steps', value: RECIPE.gradientAccumulation },
    { key: 'num_train_epochs', value: float(RECIPE.epochs) },
    { key: 'learning_rate', value: float(RECIPE.learningRate) },
    { key: 'lr_scheduler_type', value: RECIPE.scheduler },
    { key: 'warmup_ratio', value: float(RECIPE.warmupRatio) },
    { key: 'optim', value: 'adamw_torch' },
    ...optimizerYaml(),
    { key: 'ddp_timeout', value: 180000000 },
    { key: 'deepspeed', value: DEEPSPEED_FILE },
  ]);
}

/** dataset_info.json: LLaMA-Factory's registry; pre-training reads the "text" field of each line. */
export function llamaFactoryDatasets(): Record<string, unknown> {
  return { [DATASET_NAME]: { file_name: CORPUS_PLACEHOLDER, columns: { prompt: 'text' } } };
}

export function llamaFactoryLauncher(input: HandoffInput): string {
  const layers = input.trainableLayers.length > 0 ? `{${input.trainableLayers.join(', ')}}` : 'set()';
  return `"""Run LLaMA-Factory training with SLayer Studio's explicit list of trainable layers.

Stock LLaMA-Factory freeze tuning trains the last n, the first n or every (L/n)-th layer and has
no key for an explicit list (hiyouga/LLaMA-Factory issues #6731, #8834). This script replaces that
one selection step (llamafactory.model.adapter._setup_freeze_tuning) and then runs LLaMA-Factory's
own entry point unchanged, with the same arguments llamafactory-cli takes:

    torchrun --nproc_per_node 8 ${LLAMAFACTORY_LAUNCHER} ${LLAMAFACTORY_CONFIG}
"""
import re

import torch
from llamafactory.model import adapter
from llamafactory.train.tuner import run_exp

# 0-based indices of the blocks to train, in this model (written by SLayer Studio from slayer.json).
TRAINABLE_LAYERS = ${layers}
# Embeddings, final norm and LM head are trained too (full fine-tuning plans only).
TRAIN_GLOBALS = ${input.trainGlobals ? 'True' : 'False'}
BLOCK = re.compile(r"\\.layers\\.(\\d+)\\.")


def select_trainable(model, finetuning_args, is_trainable, cast_trainable_params_to_fp32=True, *_):
    if not is_trainable:
        return
    trained = set()
    for name, param in model.named_parameters():
        block = BLOCK.search(name)
        train = int(block.group(1)) in TRAINABLE_LAYERS if block else TRAIN_GLOBALS
        param.requires_grad_(train)
        if not train:
            continue
        if block:
            trained.add(int(block.group(1)))
        if cast_trainable_params_to_fp32:
            param.data = param.data.to(torch.float32)
    if trained != TRAINABLE_LAYERS:
        raise SystemExit(f"The model has no layers {sorted(TRAINABLE_LAYERS - trained)}: this config belongs to another model.")
    print(f"SLayer Studio: training layers {sorted(trained)}" + (" and the global tensors" if TRAIN_GLOBALS else ""))


adapter._setup_freeze_tuning = select_trainable

if __name__ == "__main__":
    run_exp()
`;
}
