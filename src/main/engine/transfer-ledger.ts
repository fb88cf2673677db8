/**
 * The transfer ledger: bytes a GPU job copies host -> device and device -> host. Every graph call
 * of the device engines goes through device.ts, which records each input fed from host memory
 * and each output returned to it, so the ledger is complete by construction: it is what crossed
 * the bus, not an estimate.
 *
 * Bytes are booked to the current phase: loading the weights, a training step (from one
 * zeroGradients() to the next: its micro-batches, its update, the upload of updated weights),
 * or anything else (evaluation, checkpoints, forward runs).
 */
import type { TransferRecord } from '../../shared/compute.js';

export interface Transfer {
  hostToDeviceBytes: number;
  deviceToHostBytes: number;
}

type Phase = 'load' | 'step' | 'other';

export class TransferLedger {
  readonly total: Transfer = { hostToDeviceBytes: 0, deviceToHostBytes: 0 };
  readonly load: Transfer = { hostToDeviceBytes: 0, deviceToHostBytes: 0 };
  /** One entry per training step, in order. */
  readonly steps: Transfer[] = [];
  private phase: Phase = 'other';

  /** Books what follows to loading the weights, until `endLoad`. */
  beginLoad(): void {
    this.phase = 'load';
  }

  endLoad(): void {
    this.phase = 'other';
  }

  /** Opens a new training step; it stays open (its update included) until the next one or `endStep`. */
  beginStep(): void {
    this.steps.push({ hostToDeviceBytes: 0, deviceToHostBytes: 0 });
    this.phase = 'step';
  }

  endStep(): void {
    this.phase = 'other';
  }

  /** Runs `work` booked to `other` (an evaluation between steps), then returns to the phase it interrupted. */
  async outsideStep<T>(work: () => Promise<T>): Promise<T> {
    const phase = this.phase;
    this.phase = 'other';
    try {
      return await work();
    } finally {
      this.phase = phase;
    }
  }

  record(hostToDeviceBytes: number, deviceToHostBytes: number): void {
    const add = (t: Transfer) => {
      t.hostToDeviceBytes += hostToDeviceBytes;
      t.deviceToHostBytes += deviceToHostBytes;
    };
    add(this.total);
    if (this.phase === 'load') add(this.load);
    if (this.phase === 'step') add(this.steps[this.steps.length - 1]);
  }

  /** The summary a job's results carry. */
  summary(): TransferRecord {
    const later = this.steps.slice(1);
    return {
      hostToDeviceBytes: this.total.hostToDeviceBytes,
      deviceToHostBytes: this.total.deviceToHostBytes,
      loadHostToDeviceBytes: this.load.hostToDeviceBytes,
      firstStep: this.steps.length ? { ...this.steps[0] } : null,
      laterStepsMax: later.length
        ? {
            hostToDeviceBytes: Math.max(...later.map((s) => s.hostToDeviceBytes)),
            deviceToHostBytes: Math.max(...later.map((s) => s.deviceToHostBytes)),
          }
        : null,
      steps: this.steps.length,
    };
  }
}
