#!/usr/bin/env node
// Browser mode from the TypeScript sources (tsx); the renderer comes from the build in out/.
import { register } from 'tsx/esm/api';

register();
await import('../src/main/server/serve-main.ts');
