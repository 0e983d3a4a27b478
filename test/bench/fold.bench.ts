/**
 * How long the case fold takes: per case, and for 100,000 cases of 5 to 10 events each across
 * the five built-in policies (the cost of recomputing every open case after a calendar change).
 */
import { SchoolCalendar } from '../../src/domain/calendar.js';
import { foldCase, type CaseEvent } from '../../src/domain/case.js';
import { DAY_MS, dayNumber, fromDayNumber } from '../../src/domain/dates.js';
import { BUILT_IN_POLICY_IDS, builtInPolicy } from '../../src/domain/packs/index.js';
import type { Policy } from '../../src/domain/policy.js';

const terms = [
  ['2026-09-02', '2026-10-23'], ['2026-11-02', '2026-12-18'], ['2027-01-05', '2027-02-12'], ['2027-02-22', '2027-03-25'],
  ['2027-04-12', '2027-05-28'], ['2027-06-07', '2027-07-21'], ['2027-09-01', '2027-10-22'], ['2027-11-01', '2027-12-17'],
  ['2028-01-04', '2028-02-11'], ['2028-02-21', '2028-03-31'], ['2028-04-18', '2028-05-26'], ['2028-06-05', '2028-07-20'],
].map(([start, end]) => ({ start: start!, end: end! }));

/** A small deterministic generator, so every run folds the same cases. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
}

/** A plausible history through every stage of the policy; the bench cuts it to 5-10 events. */
function history(policy: Policy, rnd: () => number): CaseEvent[] {
  const events: CaseEvent[] = [];
  let day = dayNumber('2026-09-07') + Math.floor(rnd() * 200);
  const push = (e: Omit<CaseEvent, 'at'>, gap: number) => {
    day += gap;
    events.push({ ...e, at: `${fromDayNumber(day)}T${String(8 + Math.floor(rnd() * 9)).padStart(2, '0')}:${rnd() < 0.5 ? '15' : '45'}` } as CaseEvent);
  };
  push({ type: 'received', stage: 1 }, 0);
  for (const stage of policy.stages) {
    push({ type: 'acknowledged' }, 1);
    if (rnd() < 0.3 && stage.clocks.some((c) => c.kind === 'respond')) push({ type: 'deadline_extended', kind: 'respond', due: fromDayNumber(day + 60) } as Omit<CaseEvent, 'at'>, 1);
    const final = stage.number === policy.stages.length;
    if (stage.panel?.hearing) {
      push({ type: 'hearing_scheduled', hearingOn: fromDayNumber(day + 14) }, 2);
      push({ type: 'hearing_held' }, 14);
      push({ type: 'responded', outcome: stage.outcomes[0]! }, 3);
      break;
    }
    const outcome = stage.escalatesOn[0] ?? stage.outcomes.find((o) => o !== 'resolved')!;
    push({ type: 'responded', outcome }, 5 + Math.floor(rnd() * 5));
    if (final) break;
    if (!stage.escalatesOn.includes(outcome)) push({ type: 'escalation_requested' }, 2);
  }
  return events;
}

export function benchFold(): Record<string, string> {
  const calendars = new Map(['england-and-wales', 'scotland', 'northern-ireland'].map((r) => [r, SchoolCalendar.from({ region: r, terms })]));
  const policies = BUILT_IN_POLICY_IDS.map(builtInPolicy);
  const rnd = random(42);
  const N = 100_000;
  const cases = Array.from({ length: N }, (_, i) => {
    const policy = policies[i % policies.length]!;
    const full = history(policy, rnd);
    const keep = Math.min(full.length, 5 + Math.floor(rnd() * 6));
    return { policy, calendar: calendars.get(policy.defaults.region)!, events: full.slice(0, keep), facts: { about: policy.stages[0]!.handler } };
  });
  const events = cases.reduce((n, c) => n + c.events.length, 0);
  const now = dayNumber('2027-03-01') * DAY_MS;
  for (const c of cases.slice(0, 2000)) foldCase({ ...c, now }); // warm up
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  let deadlines = 0;
  for (const c of cases) deadlines += foldCase({ ...c, now }).deadlines.length;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    'fold: cases': String(N),
    'fold: events (average per case)': (events / N).toFixed(1),
    'fold: deadlines computed': String(deadlines),
    'fold: total for 100,000 cases (one core)': `${ms.toFixed(0)} ms (target < 2000 ms)`,
    'fold: per case': `${((ms * 1000) / N).toFixed(1)} µs`,
    'fold: heap growth during the run': `${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB`,
  };
}
