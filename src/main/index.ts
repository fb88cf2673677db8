/**
 * The Electron shell: one window, sandboxed renderer, strict CSP, no remote content. Everything
 * else (API, jobs, projects) is the same core that browser mode and the CLI use.
 */
import { app, BrowserWindow, dialog, session, shell } from 'electron';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Backend } from './api/backend.js';
import { describeError, UserError } from '../shared/errors.js';
import { registerIpc } from './ipc.js';
import { utilityLauncher } from './electron/compute-launcher.js';
import { loadWindowState, trackWindowState } from './electron/window-state.js';
import { permissionAllowed } from './electron/permissions.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(fileURLToPath(new URL('../renderer/index.html', import.meta.url))).href;
const isAppUrl = (url: string) => url.startsWith(rendererUrl.replace(/index\.html$/, ''));

let mainWindow: BrowserWindow | null = null;
let backend: Backend | null = null;

async function createWindow(home: string): Promise<void> {
  const state = loadWindowState(home);
  mainWindow = new BrowserWindow({
    ...state.bounds,
    minWidth: 960,
    minHeight: 640,
    title: 'SLayer Studio',
    show: false,
    webPreferences: {
      preload: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) mainWindow.maximize();
  trackWindowState(home, mainWindow);
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  // External links open in the system browser; the app window never navigates away.
  mainWindow.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  mainWindow.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) {
      e.preventDefault();
      if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    }
  });
  await mainWindow.loadURL(rendererUrl);
}

function start(): void {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app
    .whenReady()
    .then(ready)
    .catch((e) => {
      dialog.showErrorBox('SLayer Studio could not start', describeError(e));
      app.exit(1);
    });
  app.on('window-all-closed', () => {
    // Closing the window stops the app; a running job is stopped and recorded as interrupted,
    // and training resumes from its last checkpoint next time.
    void backend?.close().finally(() => app.quit());
  });
}

async function ready(): Promise<void> {
  const home = process.env.SLAYER_HOME ?? app.getPath('userData');
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // No remote content: refuse every request that is not the app's own files (or the dev server).
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAppUrl(details.url) || details.url.startsWith('devtools://') || details.url.startsWith('data:');
    callback({ cancel: !allowed });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permissionAllowed(permission, details.requestingUrl, isAppUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((wc, permission, _origin, details) =>
    permissionAllowed(permission, details.requestingUrl ?? wc?.getURL() ?? '', isAppUrl),
  );
  session.defaultSession.setDevicePermissionHandler(() => false);
  backend = await Backend.create({
    home,
    mode: 'desktop',
    launcher: utilityLauncher,
    openPath: async (path) => {
      const error = await shell.openPath(path);
      if (error) throw new UserError(`The system could not open ${path}: ${error}`);
    },
  });
  registerIpc(backend, isAppUrl);
  await createWindow(home);
}

// One app per user: a second launch hands over to the first (its window comes forward, via
// 'second-instance') and exits at once, before it opens the data folder or starts any job.
if (app.requestSingleInstanceLock()) start();
else app.exit(0);
