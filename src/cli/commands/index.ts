/**
 * Every `slayer` sub-command, in the order `slayer --help` lists them: its name and one-line
 * summary here, and everything else (usage, options, run, the core modules it needs) in its own
 * module, loaded only when that command runs. So `slayer --version`, `slayer --help` and a light
 * command such as `slayer inspect` never load onnxruntime, the trainer or the document readers.
 */
import type { Command } from '../command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command<any>>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'models',
    summary: 'List the models in the Hugging Face cache (where huggingface-cli download puts them).',
    load: async () => (await import('./models.js')).modelsCommand,
  },
  {
    name: 'inspect',
    summary: 'Show what a model folder holds and whether this machine can analyse and train it.',
    load: async () => (await import('./inspect.js')).inspectCommand,
  },
  {
    name: 'score',
    summary: 'Measure how much each layer changes its input (angular distance, Block Influence).',
    load: async () => (await import('./score.js')).scoreCommand,
  },
  {
    name: 'probe',
    summary: 'Drop each layer (or insert one after it) and measure perplexity and QA accuracy.',
    load: async () => (await import('./probe.js')).probeCommand,
  },
  {
    name: 'plan',
    summary: 'Plan which layers to add, delete, refresh and train (from config.json alone).',
    load: async () => (await import('./plan.js')).planCommand,
  },
  {
    name: 'apply',
    summary: 'Apply a plan to a model: write the new model folder (the surgery).',
    load: async () => (await import('./apply.js')).applyCommand,
  },
  {
    name: 'corpus',
    summary: 'Prepare raw documents for training: read, deduplicate, tokenise, cache and split them.',
    load: async () => (await import('./corpus.js')).corpusCommand,
  },
  {
    name: 'train',
    summary: "Train the plan's new and refreshed layers (or any chosen ones, or LoRA adapters) on domain text, several sources mixed by weight.",
    load: async () => (await import('./train.js')).trainCommand,
  },
  {
    name: 'sft',
    summary: 'Teach the model to follow instructions: supervised fine-tuning on conversations, loss on the responses only.',
    load: async () => (await import('./sft.js')).sftCommand,
  },
  {
    name: 'eval',
    summary: 'Measure perplexity on held-out text, accuracy on multiple-choice questions, and benchmark tasks.',
    load: async () => (await import('./eval.js')).evalCommand,
  },
  {
    name: 'generate',
    summary: 'Continue a prompt with the model (greedy, or sampled with a seed).',
    load: async () => (await import('./generate.js')).generateCommand,
  },
  {
    name: 'export',
    summary: 'Export a model: Hugging Face folder with model card, GGUF for llama.cpp, a PEFT adapter, or LLaMA-Factory / Axolotl hand-off configs.',
    load: async () => (await import('./export.js')).exportCommand,
  },
  {
    name: 'run',
    summary: 'The whole pipeline: score, plan (S), apply, train, evaluate before/after, report; resumes where inputs are unchanged.',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'demo',
    summary: 'Inject code (or math, or legal) knowledge into the bundled demo model, with baselines and a report.',
    load: async () => (await import('./demo.js')).demoCommand,
  },
];
