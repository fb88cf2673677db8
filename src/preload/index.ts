/**
 * The bridge between the sandboxed renderer and main: exposes `window.slayer` with exactly the
 * typed API of src/shared/api.ts — one generic invoke and one event subscription. No Node
 * objects cross; errors arrive as plain-language envelopes.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { SlayerApi } from '../shared/api.js';
import { apiEventNames, IPC_EVENT, IPC_INVOKE, type ApiEnvelope } from '../shared/transport.js';

const api: SlayerApi = {
  async invoke(method, request) {
    const envelope = (await ipcRenderer.invoke(IPC_INVOKE, method, request)) as ApiEnvelope<never>;
    if (!envelope.ok) throw Object.assign(new Error(envelope.error), { detail: envelope.detail });
    return envelope.value;
  },
  on(event, listener) {
    if (!apiEventNames.includes(event)) throw new Error(`Unknown event ${String(event)}`);
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload as never);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.off(IPC_EVENT, handler);
  },
};

contextBridge.exposeInMainWorld('slayer', api);
