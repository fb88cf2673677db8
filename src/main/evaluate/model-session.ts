/**
 * Opening a model for analysis and evaluation: the folder (closed afterwards whatever happens)
 * and a forward engine over it (disposed afterwards). Data is read between the two, so bad
 * data is reported before any weights are loaded.
 */
import type { TaskControl } from '../../shared/progress.js';
import { createForwardEngine, type ForwardEngine } from '../engine/forward-engine.js';
import type { ProviderChoice } from '../engine/providers.js';
import { ModelFolder } from '../model/folder.js';
import type { TensorReader } from '../model/tensors.js';

/** How the forward passes run; every field has the engine's default. */
export interface EngineSettings {
  provider?: ProviderChoice;
  threads?: number;
  /** Read one block's weights at a time instead of holding the model in memory. */
  streaming?: boolean;
  /** Bytes of activations one graph call may use (sets the batch size). */
  activationBudgetBytes?: number;
}

export async function withModelFolder<T>(dir: string, use: (folder: ModelFolder) => Promise<T>): Promise<T> {
  const folder = await ModelFolder.open(dir);
  try {
    return await use(folder);
  } finally {
    await folder.close();
  }
}

export async function withEngine<T>(
  reader: TensorReader,
  settings: EngineSettings,
  control: TaskControl,
  use: (engine: ForwardEngine) => Promise<T>,
): Promise<T> {
  const { provider, threads, streaming, activationBudgetBytes } = settings;
  const engine = await createForwardEngine(reader, { provider, threads, streaming, activationBudgetBytes, control });
  try {
    return await use(engine);
  } finally {
    await engine.dispose();
  }
}
