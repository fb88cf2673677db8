/**
 * README-handoff.md: what a hand-off folder trains and the exact command lines to run it with
 * torchrun / accelerate and DeepSpeed ZeRO-2, on one GPU, one machine or several.
 */
import { blockParameters, globalParameters } from '../model/tensors.js';
import { AXOLOTL_CONFIG } from './handoff-axolotl.js';
import { LLAMAFACTORY_CONFIG, LLAMAFACTORY_DATASETS, LLAMAFACTORY_LAUNCHER, EXPLICIT_LAYERS_GUARD } from './handoff-llamafactory.js';
import { CORPUS_PLACEHOLDER, DEEPSPEED_FILE, RECIPE, sequenceLength, type HandoffInput } from './handoff-recipe.js';

export type Trainer = 'llamafactory' | 'axolotl';

/** Parameters the trainer should report as trainable: the listed blocks, plus the global tensors when trained. */
export function trainableParameters(input: HandoffInput): number {
  const m = input.description;
  return input.trainableLayers.length * blockParameters(m) + (input.trainGlobals ? globalParameters(m) : 0);
}

export function handoffReadme(trainer: Trainer, input: HandoffInput): string {
  const m = input.description;
  const count = trainableParameters(input).toLocaleString('en-US');
  const name = trainer === 'llamafactory' ? 'LLaMA-Factory' : 'Axolotl';
  const lines = [
    `# Training this model with ${name}`,
    '',
    `Written by SLayer Studio for the model in \`${input.modelPath}\`.`,
    `The configuration trains exactly layers ${input.trainableLayers.join(', ')} (0-based, of this ${m.layers}-layer model)` +
      `${input.trainGlobals ? ', plus the embeddings, final norm and LM head' : ''}: ${count} trainable parameters. Everything else stays frozen.`,
    '',
    '## Before you start',
    '',
    `1. Copy the model folder and this folder to the machines; if the model's path changes, edit ${trainer === 'llamafactory' ? '`model_name_or_path`' : '`base_model`'} in \`${trainer === 'llamafactory' ? LLAMAFACTORY_CONFIG : AXOLOTL_CONFIG}\`.`,
    `2. Put the training corpus in \`${CORPUS_PLACEHOLDER}\` here: JSON lines, one document per line as \`{"text": "..."}\`.`,
    trainer === 'llamafactory'
      ? `3. Install LLaMA-Factory (in its repository: \`pip install -e ".[torch,metrics,deepspeed]"\`).`
      : '3. Install Axolotl (`pip install --no-build-isolation "axolotl[flash-attn,deepspeed]"`).',
    '4. Run every command below from this folder: the paths in the config are relative to it.',
    '',
    '## Commands',
    '',
    ...(trainer === 'llamafactory' ? llamaFactoryCommands(count) : axolotlCommands(count)),
    '',
    '## Settings',
    '',
    `Continued pre-training on packed sequences of ${sequenceLength(m)} tokens: AdamW (beta1 ${RECIPE.adamBeta1}, beta2 ${RECIPE.adamBeta2}, eps ${RECIPE.adamEpsilon}),`,
    `learning rate ${RECIPE.learningRate} with ${RECIPE.warmupRatio * 100}% warmup and ${RECIPE.scheduler} decay, weight decay ${RECIPE.weightDecay}, gradient clipping ${RECIPE.maxGradNorm}, bf16,`,
    `${RECIPE.epochs} epoch. Each GPU takes ${RECIPE.microBatch} sequence per step and accumulates ${RECIPE.gradientAccumulation} steps: the effective batch is`,
    `GPUs x ${RECIPE.microBatch * RECIPE.gradientAccumulation} sequences. \`${DEEPSPEED_FILE}\` is DeepSpeed ZeRO stage 2 (optimizer state and gradients`,
    'sharded across GPUs); its "auto" values come from the trainer config. On GPUs without bf16 (before Ampere) set `bf16: false` and `fp16: true`.',
    '',
    '## After training',
    '',
    'The output folder is a Hugging Face model folder. Copy `slayer.json` from the model folder into it so SLayer Studio keeps the layer map, then',
    'evaluate it with `slayer eval OUTPUT --data DATA` and export it with `slayer export OUTPUT --format gguf --out model.gguf`.',
    '',
  ];
  return lines.join('\n');
}

function llamaFactoryCommands(count: string): string[] {
  const run = `${LLAMAFACTORY_LAUNCHER} ${LLAMAFACTORY_CONFIG}`;
  return [
    'One machine, all its GPUs (DeepSpeed ZeRO-2; torchrun also for a single GPU, which DeepSpeed needs):',
    '```sh',
    `torchrun --nproc_per_node "$(nvidia-smi -L | wc -l)" ${run}`,
    '```',
    'Several machines (here 2 x 8 GPUs; run on each machine with its own `--node_rank`, 0 on the one whose address is `--master_addr`):',
    '```sh',
    `torchrun --nnodes 2 --node_rank 0 --nproc_per_node 8 --master_addr 10.0.0.1 --master_port 29500 ${run}`,
    '```',
    '',
    `Use \`${LLAMAFACTORY_LAUNCHER}\` instead of \`llamafactory-cli train ${LLAMAFACTORY_CONFIG}\` (or \`FORCE_TORCHRUN=1 llamafactory-cli train ...\`):`,
    'stock LLaMA-Factory can only train the last n, the first n or every (L/n)-th layer, not an explicit list. The launcher',
    'replaces that one selection step and runs LLaMA-Factory unchanged otherwise. The config names the module',
    `\`${EXPLICIT_LAYERS_GUARD}\` on purpose, so that llamafactory-cli stops ("Module ${EXPLICIT_LAYERS_GUARD} is not found") rather than train other layers.`,
    `\`${LLAMAFACTORY_DATASETS}\` registers \`${CORPUS_PLACEHOLDER}\` as the dataset.`,
    '',
    `Check at start-up: the log says "SLayer Studio: training layers [...]" with the list above, and LLaMA-Factory's "trainable params" is ${count}.`,
  ];
}

function axolotlCommands(count: string): string[] {
  return [
    'Tokenise and pack the corpus once (optional; training does it otherwise):',
    '```sh',
    `python -m axolotl.cli.preprocess ${AXOLOTL_CONFIG}`,
    '```',
    'One machine, all its GPUs (DeepSpeed ZeRO-2; one GPU works the same way):',
    '```sh',
    `accelerate launch -m axolotl.cli.train ${AXOLOTL_CONFIG}`,
    '```',
    `(Axolotl 0.8 and later also accept \`axolotl train ${AXOLOTL_CONFIG}\`.)`,
    'Several machines (here 2 x 8 GPUs; run on each machine with its own `--machine_rank`):',
    '```sh',
    `accelerate launch --num_machines 2 --machine_rank 0 --num_processes 16 --main_process_ip 10.0.0.1 --main_process_port 29500 -m axolotl.cli.train ${AXOLOTL_CONFIG}`,
    '```',
    '',
    `Check at start-up: Axolotl logs each unfrozen parameter at debug level; the trainable parameter count it reports should be ${count}.`,
  ];
}
