/** Every `slayer` sub-command, in the order `slayer --help` lists them. */
import type { Command } from '../command.js';
import { applyCommand } from './apply.js';
import { corpusCommand } from './corpus.js';
import { inspectCommand } from './inspect.js';
import { planCommand } from './plan.js';

export const commands: Command<any>[] = [inspectCommand, planCommand, applyCommand, corpusCommand];
