/** `npm run bench`: prints figures; it asserts nothing (speed is measured here, not in tests). */
import { cpus } from 'node:os';
import { benchFold } from './fold.bench.js';

const results: Record<string, string> = {
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores; the fold runs on one)`,
  ...benchFold(),
};
const width = Math.max(...Object.keys(results).map((k) => k.length));
for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(width)}  ${v}`);
