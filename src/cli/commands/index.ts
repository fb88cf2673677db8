/** Every `slayer` sub-command, in the order `slayer --help` lists them. */
import type { Command } from '../command.js';
import { applyCommand } from './apply.js';
import { corpusCommand } from './corpus.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { generateCommand } from './generate.js';
import { inspectCommand } from './inspect.js';
import { modelsCommand } from './models.js';
import { planCommand } from './plan.js';
import { probeCommand } from './probe.js';
import { runCommand } from './run.js';
import { scoreCommand } from './score.js';
import { sftCommand } from './sft.js';
import { trainCommand } from './train.js';

export const commands: Command<any>[] = [
  modelsCommand,
  inspectCommand,
  scoreCommand,
  probeCommand,
  planCommand,
  applyCommand,
  corpusCommand,
  trainCommand,
  sftCommand,
  evalCommand,
  generateCommand,
  exportCommand,
  runCommand,
  demoCommand,
];
