/**
 * README-handoff.md: what a hand-off folder trains, which upstream version it was checked
 * against, and the exact commands: install on the cluster, launch with torchrun / accelerate and
 * DeepSpeed ZeRO-2 (one GPU, one machine or several), then bring the trained model back and
 * evaluate it with `slayer eval`.
 */
import { blockParameters, globalParameters } from '../model/tensors.js';
import { AXOLOTL_ATTENTION, AXOLOTL_CONFIG, AXOLOTL_OUTPUT } from './handoff-axolotl.js';
import { EXPLICIT_LAYERS_GUARD, LLAMAFACTORY_CONFIG, LLAMAFACTORY_DATASETS, LLAMAFACTORY_LAUNCHER, LLAMAFACTORY_OUTPUT } from './handoff-llamafactory.js';
import { CORPUS_PLACEHOLDER, DEEPSPEED_FILE, RECIPE, sequenceLength, type HandoffInput, type Trainer } from './handoff-recipe.js';
import { UPSTREAM, VENV_LINES } from './handoff-upstream.js';

/** Parameters the trainer should report as trainable: the listed blocks, plus the global tensors when trained. */
export function trainableParameters(input: HandoffInput): number {
  const m = input.description;
  return input.trainableLayers.length * blockParameters(m) + (input.trainGlobals ? globalParameters(m) : 0);
}

const sh = (...lines: string[]) => ['```sh', ...lines, '```'];

export function handoffReadme(trainer: Trainer, input: HandoffInput): string {
  const m = input.description;
  const count = trainableParameters(input).toLocaleString('en-US');
  const tool = UPSTREAM[trainer];
  const config = trainer === 'llamafactory' ? LLAMAFACTORY_CONFIG : AXOLOTL_CONFIG;
  const output = trainer === 'llamafactory' ? LLAMAFACTORY_OUTPUT : AXOLOTL_OUTPUT;
  const lines = [
    `# Training this model with ${tool.name}`,
    '',
    `Written by SLayer Studio for the model in \`${input.modelPath}\`, and checked against ${tool.checkedAgainst}.`,
    `The configuration trains exactly layers ${input.trainableLayers.join(', ')} (0-based, of this ${m.layers}-layer model)` +
      `${input.trainGlobals ? ', plus the embeddings, final norm and LM head' : ''}: ${count} trainable parameters. Everything else stays frozen.`,
    '',
    '## Before you start',
    '',
    `1. Copy the model folder and this folder to the machines; if the model's path changes, edit ${trainer === 'llamafactory' ? '`model_name_or_path`' : '`base_model`'} in \`${config}\`.`,
    `2. Put the training corpus in \`${CORPUS_PLACEHOLDER}\` here: JSON lines, one document per line as \`{"text": "..."}\`. From a folder of`,
    '   text files (e.g. the documents you gave SLayer Studio):',
    ...sh(
      `python3 -c 'import json, pathlib, sys; [print(json.dumps({"text": p.read_text(encoding="utf-8")})) for p in sorted(pathlib.Path(sys.argv[1]).rglob("*")) if p.is_file() and p.suffix in {".txt", ".md"}]' DOCS > ${CORPUS_PLACEHOLDER}`,
    ),
    `3. Install ${tool.name} on every machine (in this folder; needs Python 3.11 or later and the NVIDIA driver):`,
    ...sh(...VENV_LINES, ...tool.install),
    trainer === 'axolotl'
      ? `   Without the flash-attn package (no matching wheel for your CUDA), install \`"axolotl[deepspeed]"\` and set \`${AXOLOTL_ATTENTION.key}: ${AXOLOTL_ATTENTION.fallback}\` in \`${config}\`.`
      : '   The last line matters: LLaMA-Factory refuses to start a DeepSpeed run without DeepSpeed, and its package no longer installs it.',
    '4. Run every command below from this folder, with the environment active (`. .venv/bin/activate`): the paths in the config are relative to it.',
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
    `A checkpoint is saved every ${RECIPE.saveSteps} steps; if a run stops, the same command resumes from the last one.`,
    '',
    '## After training',
    '',
    `\`${output}\` is a Hugging Face model folder (plus \`checkpoint-*\` folders with optimizer state, which you do not need). On your`,
    'workstation, bring it back without the checkpoints, give it the layer map, and measure it against the model you started from',
    '(CORPUS: the corpus folder built by `slayer corpus ... --out CORPUS` or the Corpus step; MODEL: the model folder exported here):',
    ...sh(
      `rsync -a --exclude 'checkpoint-*' gpu-box:PATH/TO/THIS/FOLDER/${output}/ trained/`,
      'cp MODEL/slayer.json trained/',
      'slayer eval MODEL --data CORPUS --split validation',
      'slayer eval trained --data CORPUS --split validation',
      'slayer eval trained --data CORPUS --split general-validation',
    ),
    'The first two lines of results compare domain perplexity before and after; the last is the forgetting check on general text',
    '(add `--qa QUESTIONS.jsonl` for multiple-choice accuracy). Then use it like any model of the project, e.g.',
    '`slayer export trained --format gguf --out trained.gguf`.',
    '',
  ];
  return lines.join('\n');
}

function llamaFactoryCommands(count: string): string[] {
  const run = `${LLAMAFACTORY_LAUNCHER} ${LLAMAFACTORY_CONFIG}`;
  return [
    'One machine, all its GPUs (DeepSpeed ZeRO-2; torchrun also for a single GPU, which DeepSpeed needs):',
    ...sh(`torchrun --nproc_per_node "$(nvidia-smi -L | wc -l)" ${run}`),
    'Several machines (here 2 x 8 GPUs; run on each machine with its own `--node_rank`, 0 on the one whose address is `--master_addr`):',
    ...sh(`torchrun --nnodes 2 --node_rank 0 --nproc_per_node 8 --master_addr 10.0.0.1 --master_port 29500 ${run}`),
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
    ...sh(`axolotl preprocess ${AXOLOTL_CONFIG}`),
    'One machine, all its GPUs (DeepSpeed ZeRO-2 through accelerate; one GPU works the same way):',
    ...sh(`axolotl train ${AXOLOTL_CONFIG}`),
    `(\`accelerate launch -m axolotl.cli.train ${AXOLOTL_CONFIG}\` does the same.)`,
    'Several machines (here 2 x 8 GPUs; the same command on each machine, 10.0.0.1 being the first one):',
    ...sh(
      `axolotl train ${AXOLOTL_CONFIG} --launcher torchrun -- --nnodes 2 --nproc_per_node 8 --rdzv_id slayer --rdzv_backend c10d --rdzv_endpoint 10.0.0.1:29400`,
    ),
    '',
    `Check at start-up: Axolotl logs each unfrozen parameter at debug level; the trainable parameter count it reports should be ${count}.`,
  ];
}
