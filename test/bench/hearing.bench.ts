/**
 * Proposing hearing slots (src/domain/hearing.ts) for a 3-member panel and its organiser over a
 * 30-school-day window (autumn 2 2026 into January, across Christmas), with busy calendars of
 * 4 meetings a day each over the whole search range. Pure: free/busy is made up here (seeded, so
 * every run sees the same diary), not read from Graph. Target: under 50 ms per proposal.
 *
 * Two diaries: "typical" (the panel is free somewhere most days, so 3 slots turn up early) and
 * "fully booked" (nobody free for 2 hours on any day: every day of the window and the 10 beyond
 * it is searched and nothing is found), the worst case for the search.
 */
import { SchoolCalendar, isTeachingDay } from '../../src/domain/calendar.js';
import { DAY_MS, dayNumber, fromDayNumber } from '../../src/domain/dates.js';
import { proposeSlots, searchRange, type Interval, type SlotSearch } from '../../src/domain/hearing.js';
import { ENGLAND_2026_27 } from '../helpers/fold.js';

const MINUTE = 60_000;

/** mulberry32: a small seeded generator, so the diaries are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `perDay` meetings of 30-90 minutes between 08:00 and 18:00 school time on every day of the range, in no particular order. */
function diary(calendar: SchoolCalendar, range: Interval, perDay: number, random: () => number): Interval[] {
  const out: Interval[] = [];
  for (let day = calendar.timezone.localDay(range.start); day <= calendar.timezone.localDay(range.end); day++) {
    for (let k = 0; k < perDay; k++) {
      const start = calendar.timezone.fromWallClock(day * DAY_MS + (8 * 60 + Math.floor(random() * 18) * 30) * MINUTE);
      out.push({ start, end: start + (30 + Math.floor(random() * 3) * 30) * MINUTE });
    }
  }
  return out.sort(() => random() - 0.5);
}

/** Four meetings that between them leave no 2-hour gap in 09:00-17:00 (09:00-10:30, 10:30-12:00 ...). */
function fullDiary(calendar: SchoolCalendar, range: Interval, offset: number): Interval[] {
  const out: Interval[] = [];
  for (let day = calendar.timezone.localDay(range.start); day <= calendar.timezone.localDay(range.end); day++) {
    for (let k = 0; k < 4; k++) {
      const start = calendar.timezone.fromWallClock(day * DAY_MS + (9 * 60 + 105 * k + offset) * MINUTE);
      out.push({ start, end: start + 90 * MINUTE });
    }
  }
  return out;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function time(runs: number, search: () => SlotSearch): { mean: number; p50: number; p99: number; found: number } {
  for (let i = 0; i < 50; i++) proposeSlots(search()); // warm up
  const ms: number[] = [];
  let found = 0;
  for (let i = 0; i < runs; i++) {
    const s = search(); // fresh arrays each time: the caller hands over what Graph returned
    const t0 = process.hrtime.bigint();
    found = proposeSlots(s).length;
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { mean: ms.reduce((a, b) => a + b, 0) / runs, p50: percentile(ms, 50), p99: percentile(ms, 99), found };
}

export function benchHearing(runs = 2000): Record<string, string> {
  const calendar = SchoolCalendar.from(ENGLAND_2026_27);
  // A window of 30 school days from Mon 23 Nov 2026: 20 in November-December, 10 in January.
  let latest = dayNumber('2026-11-23');
  for (let n = 1; n < 30;) if (isTeachingDay(calendar, ++latest)) n++;
  const window = { earliest: '2026-11-23', latest: fromDayNumber(latest) };
  const base = { calendar, window, durationMinutes: 120 };
  const range = searchRange(base);
  const random = seeded(20261123);
  const typical = [0, 1, 2, 3].map(() => diary(calendar, range, 4, random));
  const full = [0, 15, 30].map((offset) => fullDiary(calendar, range, offset));
  const copy = (people: Interval[][]) => people.map((p) => p.map((iv) => ({ ...iv })));
  const a = time(runs, () => ({ ...base, busy: copy(typical) }));
  const b = time(runs, () => ({ ...base, busy: copy(full) }));
  const line = (r: typeof a) => `mean ${r.mean.toFixed(3)} ms, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms; ${r.found} slots`;
  const intervals = (people: Interval[][]) => people.reduce((n, p) => n + p.length, 0);
  return {
    'hearing: propose slots, typical diaries': `${line(a)} (3 members + organiser, ${intervals(typical)} busy intervals, window ${window.earliest} to ${window.latest}, ${runs} runs; target < 50 ms)`,
    'hearing: propose slots, fully booked': `${line(b)} (every day of the window and 10 beyond searched, ${intervals(full)} busy intervals)`,
  };
}
