import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          // The Electron main process.
          index: resolve('src/main/index.ts'),
          // The compute process is its own entry: a crash or out-of-memory there leaves the UI up.
          compute: resolve('src/main/jobs/compute-entry.ts'),
          // The `slayer` command (bin/slayer.js) and browser mode (bin/serve.js), under plain Node.
          // Each CLI command is a chunk of its own, loaded only when it runs.
          cli: resolve('src/cli/slayer.ts'),
          serve: resolve('src/main/server/serve-main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be CommonJS with nothing left to require from node_modules.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
