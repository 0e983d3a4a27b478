import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/simulate.js';
import { builtInPolicy } from '../../src/domain/packs/index.js';
import { mismatches, scenarioPairs } from '../helpers/scenarios.js';

describe('the shared scenarios (copied from ../shared/scenarios)', () => {
  const pairs = scenarioPairs();

  it('are all present', () => {
    expect(pairs.map((p) => p.name)).toEqual(
      expect.arrayContaining(['miag-hours-clock-change', 'miet-stage2-about-head', 'nmat-panel', 'nmat-stage1-half-term', 'sil-about-partner']),
    );
  });

  for (const pair of pairs) {
    it(`${pair.name} matches its expected answer`, () => {
      const actual = simulate(pair.scenario, builtInPolicy, () => Date.parse('2026-11-25T12:00:00Z'));
      expect(mismatches(pair.expected, actual as unknown as Record<string, unknown>)).toEqual([]);
    });
  }
});
