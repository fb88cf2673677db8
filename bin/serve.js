#!/usr/bin/env node
// Browser mode: built (out/main/serve.js) when current, else from the TypeScript sources through
// tsx; the renderer always comes from the build in out/renderer (`npm run serve` builds first).
import { runEntry } from './entry.js';

await runEntry('out/main/serve.js', 'src/main/server/serve-main.ts');
