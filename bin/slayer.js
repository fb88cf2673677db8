#!/usr/bin/env node
// The `slayer` command: built (out/main/cli.js, `npm run build`) when current, else from the
// TypeScript sources through tsx, so `npx slayer` works right after `npm ci` with no build step.
import { runEntry } from './entry.js';

await runEntry('out/main/cli.js', 'src/cli/slayer.ts');
