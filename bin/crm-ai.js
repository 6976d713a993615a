#!/usr/bin/env node
// Entry point for `npm start` and `npx crm-ai`: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
