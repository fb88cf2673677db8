/** Electron IPC: the typed API's invoke channel, and events fanned out to every window. */
import { ipcMain, webContents } from 'electron';
import { apiEventNames, IPC_EVENT, IPC_INVOKE } from '../shared/transport.js';
import type { Backend } from './api/backend.js';

export function registerIpc(backend: Backend, isTrustedSender: (url: string) => boolean): void {
  ipcMain.handle(IPC_INVOKE, async (event, method: unknown, request: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url ?? '')) return { ok: false, error: 'Request refused: it did not come from the app.' };
    return backend.invoke(String(method), request);
  });
  for (const name of apiEventNames) {
    backend.events.on(name, (payload: unknown) => {
      for (const wc of webContents.getAllWebContents()) if (!wc.isDestroyed()) wc.send(IPC_EVENT, name, payload);
    });
  }
}
