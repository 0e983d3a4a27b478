/**
 * The case store on a real database: recording 10,000 complaints through the recordComplaint
 * use case, recounting every open case after a calendar change, and the "overdue for one
 * school" query over 100,000 cases. Figures only; nothing is asserted.
 *
 * The database is the one `npm run bench` opened (benchDatabase below): MONGODB_URI if set (a
 * database of its own, complaints_bench_<time>, dropped afterwards), else an in-memory
 * embedded server started for the run.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deps } from '../../src/app/caseFlow.js';
import { changeCalendar } from '../../src/app/changeCalendar.js';
import type { CaseRecord } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { overdueItems } from '../../src/cli/cases.js';
import { readSchoolFile } from '../../src/cli/schoolImport.js';
import { config, redactUri } from '../../src/config.js';
import { ensureEmbeddedBuilt, startEmbedded } from '../../src/store/embedded/server.js';
import { connectDatabase, type Database } from '../../src/store/mongo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchDatabase {
  /** The server's address, without a database name in the path. */
  serverUri: string;
  /** What it is, for the printout. */
  label: string;
  /** A connection string for a database of this run's own (created on first write). */
  uriFor(name: string): string;
  /** Drops the databases handed out and stops an embedded server. */
  close(): Promise<void>;
}

/** The database for `npm run bench`: MONGODB_URI if set, else an in-memory embedded server started here. */
export async function benchDatabase(log: (m: string) => void): Promise<BenchDatabase> {
  const external = config().mongodbUri;
  const names: string[] = [];
  const uriFor = (base: string) => (name: string) => {
    const u = new URL(base);
    u.pathname = `/${name}`;
    names.push(u.toString());
    return u.toString();
  };
  const dropAll = async () => {
    for (const uri of names) {
      const db = await connectDatabase(uri).catch(() => undefined);
      await db?.connection.dropDatabase().catch(() => {});
      await db?.close();
    }
  };
  if (external) {
    return { serverUri: external, label: `MONGODB_URI (${redactUri(external)}), in databases of this run's own, dropped afterwards`, uriFor: uriFor(external), close: dropAll };
  }
  await ensureEmbeddedBuilt({ log });
  const server = await startEmbedded({ memory: true, port: 0 });
  return {
    serverUri: server.uri,
    label: `embedded mongo-java-server, in memory (-Xmx1g), at ${server.uri.replace(/\/[^/]*$/, '')} (set MONGODB_URI to measure a real MongoDB)`,
    uriFor: uriFor(server.uri),
    close: () => server.stop(),
  };
}

const RECORDED = 10_000;
const TOTAL = 100_000;
const OTHER_SCHOOLS = 18;
/** Open cases in each of the other schools (the rest are closed): a busy secondary's caseload. */
const OPEN_PER_OTHER_SCHOOL = 60;
const CONCURRENCY = 8;
/** "Now" for the whole bench: Wed 20 Jan 2027, mid spring term; cases were received from 2 Nov. */
const NOW = new Date('2027-01-20T12:00:00Z');

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Runs `work(i)` for i in 0..n-1 with `concurrency` in flight. */
async function pool(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await work(next++);
  }));
}

/** Times the overdue query for a school, 5 runs (after one warm-up); returns the median and what it found. */
async function overdueQuery(db: Database, schoolId: string): Promise<{ medianMs: number; open: number; overdue: number; items: number }> {
  let found: CaseRecord[] = [];
  const times: number[] = [];
  for (let run = 0; run < 6; run++) {
    const t0 = process.hrtime.bigint();
    found = (await db.cases.find({ schoolId, status: 'open', dueBefore: NOW })).filter((c) => overdueItems(c, NOW).length > 0);
    if (run > 0) times.push(ms(t0));
  }
  const open = (await db.cases.find({ schoolId, status: 'open' })).length;
  return { medianMs: median(times), open, overdue: found.length, items: found.reduce((n, c) => n + overdueItems(c, NOW).length, 0) };
}

export async function benchStore(database: BenchDatabase, log: (m: string) => void): Promise<Record<string, string>> {
  const out: Record<string, string> = { 'store: database': database.label };
  if (!config().mongodbUri) {
    out['store: note'] =
      'the embedded server uses an index only for a query on exactly _id or exactly the fields of a unique index; the duplicate check, the conditional updates on {_id, version} and the overdue query scan the collection, so these figures grow with it (MongoDB uses the declared indexes)';
  }
  const db = await connectDatabase(database.uriFor(`complaints_bench_${Date.now().toString(36)}`));
  try {
    const deps: Deps = { cases: db.cases, schools: db.schools, clock: { now: () => NOW } };
    const { school } = readSchoolFile(join(ROOT, 'test/fixtures/schools/nunthorpe.json'), NOW);
    await db.schools.save(school);

    // 1. Record 10,000 complaints through the use case: received on school and holiday days from
    // Mon 2 Nov 2026 to Tue 19 Jan 2027, about nobody in particular, a teacher, the head or a governor.
    log(`recording ${RECORDED.toLocaleString('en-GB')} complaints through recordComplaint (${CONCURRENCY} at a time)...`);
    const rnd = random(7);
    const abouts = [undefined, undefined, 'teacher', 'head_of_school', 'chair_of_governors'];
    const firstDay = Date.parse('2026-11-02T08:00:00Z');
    const spanMs = Date.parse('2027-01-19T17:00:00Z') - firstDay;
    const receipts = Array.from({ length: RECORDED }, () => new Date(firstDay + Math.floor(rnd() * spanMs)));
    const roles = Array.from({ length: RECORDED }, () => abouts[Math.floor(rnd() * abouts.length)]);
    let recordedOk = 0;
    let t0 = process.hrtime.bigint();
    await pool(RECORDED, CONCURRENCY, async (i) => {
      const role = roles[i];
      const r = await recordComplaint(deps, 'aad-head', {
        schoolId: school.id,
        complainant: { name: `Parent ${i}`, email: `parent${i}@example.com`, relationship: 'parent of a pupil', preferredContact: 'email' },
        ...(role ? { about: { role } } : {}),
        summary: `Complaint ${i}: my child was kept in detention without explanation on several days.`,
        receivedAt: receipts[i],
      });
      if (r.result === 'recorded') recordedOk++;
    });
    const recordMs = ms(t0);
    log(`  ${(recordMs / 1000).toFixed(1)} s`);
    out['store: record 10,000 complaints (recordComplaint)'] = `${(recordMs / 1000).toFixed(1)} s, ${((RECORDED / recordMs) * 1000).toFixed(0)} cases/s (${recordedOk.toLocaleString('en-GB')} recorded, ${CONCURRENCY} at a time)`;

    // 2. A snow day on Mon 18 Jan 2027: every open case's deadlines recounted.
    log('recounting every open case after a calendar change...');
    const snow = { ...school.calendar, closures: [...(school.calendar.closures ?? []), '2027-01-18'] };
    t0 = process.hrtime.bigint();
    const recount = await changeCalendar(deps, 'system', { schoolId: school.id, calendar: snow as never });
    const recountMs = ms(t0);
    log(`  ${(recountMs / 1000).toFixed(1)} s`);
    out['store: recount open cases after a calendar change (changeCalendar)'] =
      `${recountMs.toFixed(0)} ms for ${recount.recomputed.toLocaleString('en-GB')} open cases, ${((recount.recomputed / recountMs) * 1000).toFixed(0)} cases/s`;

    // 3. 90,000 more cases, inserted directly: 18 other schools of 5,000 cases each. 60 of each
    // school's are open (whole copies of recorded cases, deadlines and all); the rest are closed
    // cases reduced to their reference, dates and state, so that 100,000 cases fit the embedded
    // server's 1 GB heap (a whole case takes about 12 KB of it). The query reads only the
    // school, status and next-due fields of the cases it skips, so their size hardly matters.
    const extra = TOTAL - RECORDED;
    log(`inserting ${extra.toLocaleString('en-GB')} more cases directly...`);
    const raw = db.connection.collection('cases');
    const templates = await raw.find({ schoolId: school.id }).limit(OPEN_PER_OTHER_SCHOOL * OTHER_SCHOOLS).toArray();
    const perSchool = extra / OTHER_SCHOOLS;
    t0 = process.hrtime.bigint();
    let batch: Array<Record<string, unknown>> = [];
    for (let k = 0; k < extra; k++) {
      const s = Math.floor(k / perSchool);
      const n = k % perSchool;
      const tpl = templates[k % templates.length]!;
      const state = tpl.state as CaseRecord['state'];
      const common = { _id: `bulk-${k}`, schoolId: `school-${s}`, reference: `S${s}-${2020 + Math.floor(n / 1000)}-${String(n % 1000).padStart(4, '0')}` };
      batch.push(
        n < OPEN_PER_OTHER_SCHOOL
          ? { ...tpl, ...common }
          : {
              ...common,
              policyId: tpl.policyId,
              policyVersion: tpl.policyVersion,
              state: { ...state, status: 'closed', closedOn: state.receivedOn, outcome: 'not_upheld', deadlines: [], nextDueAt: null },
              version: 4,
              createdAt: tpl.createdAt,
              updatedAt: tpl.updatedAt,
            },
      );
      if (batch.length === 5_000) {
        await raw.insertMany(batch, { ordered: false });
        batch = [];
      }
    }
    if (batch.length) await raw.insertMany(batch, { ordered: false });
    const insertMs = ms(t0);
    const total = await raw.countDocuments({});
    out['store: bulk insert of the other cases'] = `${(insertMs / 1000).toFixed(1)} s for ${extra.toLocaleString('en-GB')} (${((extra / insertMs) * 1000).toFixed(0)} cases/s); ${total.toLocaleString('en-GB')} cases in all`;

    // 4. The overdue query: open cases of one school with a deadline due before now, then the
    // overdue items worked out from the stored deadlines (what `cases list --overdue` and the SLT digest do).
    log('timing the overdue query...');
    const typical = await overdueQuery(db, 'school-3');
    out['store: overdue query, typical school (median of 5)'] =
      `${typical.medianMs.toFixed(1)} ms (target < 200 ms): ${typical.overdue} overdue of ${typical.open} open, ${typical.items} overdue items; school of ${perSchool.toLocaleString('en-GB')} cases among ${total.toLocaleString('en-GB')}`;
    const busy = await overdueQuery(db, school.id);
    out['store: overdue query, the school with 10,000 open (median of 5)'] =
      `${busy.medianMs.toFixed(0)} ms: ${busy.overdue.toLocaleString('en-GB')} overdue of ${busy.open.toLocaleString('en-GB')} open, ${busy.items.toLocaleString('en-GB')} overdue items (every matching case is read whole)`;
  } finally {
    // Free the server's memory for what runs next (the jobs bench).
    await db.connection.dropDatabase().catch(() => {});
    await db.close();
  }
  return out;
}
