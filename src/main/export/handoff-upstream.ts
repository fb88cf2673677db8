/**
 * The upstream trainers each hand-off was checked against, and how they are installed today.
 * Both tools move fast, so the hand-off says which version it was written for, and the install
 * lines follow the tools' own current instructions:
 *
 * - LLaMA-Factory 0.9.6 (main of August 2026, version 0.9.6.dev0): its pyproject has had no
 *   optional dependencies since late 2025, so `pip install -e ".[torch,metrics,deepspeed]"`
 *   silently installs no DeepSpeed and training stops at LLaMA-Factory's mandatory DeepSpeed check.
 *   The README installs the package, then requirements/metrics.txt and requirements/deepspeed.txt.
 *   Python 3.11 or later. The launcher replaces llamafactory.model.adapter._setup_freeze_tuning
 *   (signature unchanged: model, finetuning_args, is_trainable, cast_trainable_params_to_fp32) and
 *   calls llamafactory.train.tuner.run_exp.
 * - Axolotl 0.18.0: PyTorch first, then axolotl with its flash-attn and deepspeed extras, built
 *   against that PyTorch (--no-build-isolation). Attention is chosen with attn_implementation; the
 *   boolean flash_attention / sdp_attention keys are deprecated and stripped with a warning.
 */
import type { Trainer } from './handoff-recipe.js';

export interface UpstreamTool {
  name: string;
  /** The version the hand-off was checked against, in words. */
  checkedAgainst: string;
  /** Shell lines that install it into the active Python environment. */
  install: string[];
}

export const UPSTREAM: Record<Trainer, UpstreamTool> = {
  llamafactory: {
    name: 'LLaMA-Factory',
    checkedAgainst: 'LLaMA-Factory 0.9.6 (its main branch of August 2026; Python 3.11 or later, DeepSpeed up to 0.18)',
    install: [
      'git clone --depth 1 https://github.com/hiyouga/LlamaFactory.git',
      'pip install -e ./LlamaFactory',
      'pip install -r LlamaFactory/requirements/metrics.txt -r LlamaFactory/requirements/deepspeed.txt',
    ],
  },
  axolotl: {
    name: 'Axolotl',
    checkedAgainst: 'Axolotl 0.18 (Python 3.11 or later, PyTorch 2.11 or later, DeepSpeed 0.18)',
    install: ['pip install torch torchvision', 'pip install --no-build-isolation "axolotl[flash-attn,deepspeed]"'],
  },
};

/** A fresh virtual environment on the cluster machine, before the install lines. */
export const VENV_LINES = ['python3 -m venv .venv', '. .venv/bin/activate', 'pip install --upgrade pip'];
