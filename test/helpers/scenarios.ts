import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SCENARIO_DIR = new URL('../fixtures/scenarios/', import.meta.url).pathname;

export interface ScenarioPair {
  name: string;
  file: string;
  scenario: unknown;
  expected: Record<string, unknown> & { deadlines?: Array<Record<string, unknown>> };
}

/** Every `<name>.json` with its `<name>.expected.json`. */
export function scenarioPairs(): ScenarioPair[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.expected.json'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.expected\.json$/, '');
      const file = join(SCENARIO_DIR, `${name}.json`);
      return {
        name,
        file,
        scenario: JSON.parse(readFileSync(file, 'utf8')),
        expected: JSON.parse(readFileSync(join(SCENARIO_DIR, f), 'utf8')),
      };
    });
}

/**
 * The expected files name only what matters to each scenario: every top-level field they give
 * must be equal, and every deadline they list must be present (by stage and kind) with the
 * fields they give.
 */
export function mismatches(expected: ScenarioPair['expected'], actual: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(expected)) {
    if (key === 'deadlines') continue;
    if (JSON.stringify(actual[key]) !== JSON.stringify(value)) problems.push(`${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual[key])}`);
  }
  const deadlines = (actual.deadlines ?? []) as Array<Record<string, unknown>>;
  for (const want of expected.deadlines ?? []) {
    const got = deadlines.find((d) => d.stage === want.stage && d.kind === want.kind);
    if (!got) {
      problems.push(`deadline stage ${want.stage} ${want.kind}: missing`);
      continue;
    }
    for (const [k, v] of Object.entries(want)) {
      if (JSON.stringify(got[k]) !== JSON.stringify(v)) problems.push(`deadline stage ${want.stage} ${want.kind}.${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(got[k])}`);
    }
  }
  return problems;
}
