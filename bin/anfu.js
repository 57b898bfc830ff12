#!/usr/bin/env node
// The `anfu` command. Sources are TypeScript; tsx compiles them on load so a fresh clone
// needs no build step (`npm install` then `npx anfu …`).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
