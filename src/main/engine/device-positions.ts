/**
 * The position inputs of the block graphs on the GPU: rotary tables, uploaded once per sequence
 * length and kept for the engine's lifetime (a few hundred KB), and each batch's key mask,
 * uploaded once per batch and fed to every block. Fed from the host instead, they would cross
 * the bus again at every block call.
 */
import * as ort from 'onnxruntime-node';
import type { ModelDescription } from '../../shared/model.js';
import { BLOCK_IO } from './graphs/decoder-block.js';
import { free, type DeviceTensor, type GpuDevice } from './device.js';
import { rotaryInverseFrequencies, rotaryTables } from './rotary-tables.js';

export class DevicePositions {
  private readonly inverseFrequencies: Float32Array;
  private readonly tables = new Map<number, { cos: DeviceTensor; sin: DeviceTensor }>();

  constructor(
    m: ModelDescription,
    private readonly device: GpuDevice,
  ) {
    this.inverseFrequencies = rotaryInverseFrequencies(m);
  }

  /** The block graphs' rotary inputs for sequences of `seqLen` tokens. */
  async rotary(seqLen: number): Promise<Record<string, DeviceTensor>> {
    let table = this.tables.get(seqLen);
    if (!table) {
      const half = this.inverseFrequencies.length;
      const { cos, sin } = rotaryTables(this.inverseFrequencies, seqLen);
      table = { cos: await this.device.upload(cos, [seqLen, half], 'float32'), sin: await this.device.upload(sin, [seqLen, half], 'float32') };
      this.tables.set(seqLen, table);
    }
    return { [BLOCK_IO.ropeCos]: table.cos, [BLOCK_IO.ropeSin]: table.sin };
  }

  /** A bool [batch, seq] mask (key mask, last-token mask) on the GPU; free it after the batch. */
  mask(mask: ort.Tensor): Promise<DeviceTensor> {
    return this.device.upload(mask.data as Uint8Array, mask.dims, 'bool');
  }

  free(): void {
    for (const t of this.tables.values()) free(t.cos, t.sin);
    this.tables.clear();
  }
}
