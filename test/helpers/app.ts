/**
 * Shared set-up for use-case, store and job tests: a controllable clock, a real NMAT school
 * (English 2026/27 calendar, people in every role), and dependencies on either the in-memory
 * stores or the real database the test run started (one database per test file).
 */
import { inject } from 'vitest';
import { acknowledge } from '../../src/app/acknowledge.js';
import type { Deps } from '../../src/app/caseFlow.js';
import { AppError } from '../../src/app/errors.js';
import { MemoryCaseStore, MemorySchoolStore } from '../../src/app/memory.js';
import type { CaseRecord, Clock, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import { connectDatabase, type Database } from '../../src/store/mongo.js';
import { ENGLAND_2026_27 } from './fold.js';

export class TestClock implements Clock {
  private ms: number;
  constructor(iso: string) {
    this.ms = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.ms);
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** People of Nunthorpe Academy, by directory id. */
export const P = {
  teacher: 'aad-teacher-1',
  teacher2: 'aad-teacher-2',
  headOfSchool: 'aad-head',
  execPrincipal: 'aad-exec',
  governanceLead: 'aad-clerk',
  chairOfGovernors: 'aad-cog',
  trustee: 'aad-trustee',
  chairOfTrustees: 'aad-cot',
  viceChair: 'aad-vcot',
  coo: 'aad-coo',
  deputy: 'aad-deputy',
  panel1: 'aad-panel-1',
  panel2: 'aad-panel-2',
  panel3: 'aad-panel-3',
  outsider: 'aad-caretaker',
} as const;

export function nmatSchool(id = 'nunthorpe'): Omit<School, 'outbox' | 'digests' | 'version'> {
  return {
    id,
    name: 'Nunthorpe Academy',
    policyId: 'nmat',
    referencePrefix: 'NMAT',
    calendar: { region: 'england-and-wales', terms: ENGLAND_2026_27.terms, closures: ['2027-01-05'] },
    people: [
      { id: P.teacher, name: 'Tara Teacher', roles: ['teacher'] },
      { id: P.teacher2, name: 'Tom Teacher', roles: ['teacher'] },
      { id: P.headOfSchool, name: 'Hana Head', roles: ['head_of_school', 'slt'] },
      { id: P.deputy, name: 'Dev Deputy', roles: ['slt'] },
      { id: P.execPrincipal, name: 'Eve Principal', roles: ['executive_principal'] },
      { id: P.governanceLead, name: 'Gail Clerk', roles: ['governance_lead', 'clerk'] },
      { id: P.chairOfGovernors, name: 'Cora Chair', roles: ['chair_of_governors', 'governor'] },
      { id: P.trustee, name: 'Trev Trustee', roles: ['trustee'] },
      { id: P.chairOfTrustees, name: 'Carl Chair', roles: ['chair_of_trustees', 'trustee'] },
      { id: P.viceChair, name: 'Vera Vice', roles: ['vice_chair_of_trustees', 'trustee'] },
      { id: P.coo, name: 'Olly Ops', roles: ['coo'] },
      { id: P.panel1, name: 'Pat Panel', roles: ['panel_member'] },
      { id: P.panel2, name: 'Pam Panel', roles: ['panel_member'] },
      { id: P.panel3, name: 'Ian Independent', roles: ['panel_member'] },
      { id: P.outsider, name: 'Colin Caretaker', roles: [] },
    ],
  };
}

/** A parent's complaint as the intake would send it. */
export function parentComplaint(schoolId = 'nunthorpe') {
  return {
    schoolId,
    complainant: { name: 'Priya Parent', email: 'priya.parent@example.com', relationship: 'parent of a pupil in Year 8', preferredContact: 'email' as const },
    summary: 'My son was kept in detention three times this week without any explanation from the school.',
    desiredOutcome: 'An explanation and a review of how detentions are given.',
  };
}

/** A parent's complaint about Tom Teacher that comes in at Stage Three (Stage Two did not answer it). */
export function stageThreeComplaint(schoolId = 'nunthorpe') {
  return {
    schoolId,
    stage: 3,
    complainant: { name: 'Priya Parent', email: 'priya.parent@example.com', relationship: 'Parent of a pupil in Year 8', preferredContact: 'email' as const },
    about: { role: 'teacher', personId: P.teacher2, personName: 'Tom Teacher' },
    category: 'behaviour',
    summary: 'My son was kept in detention three times without explanation, and stage two did not answer why.',
    desiredOutcome: 'An explanation and a review of how detentions are given.',
  };
}

/**
 * That complaint taken to NMAT's Stage Four, at a school already saved: received Fri 6 Nov 2026,
 * 09:00, acknowledged Mon 9 Nov and not upheld Fri 20 Nov by the Executive Principal; Stage Four
 * asked for on Tue 24 Nov, 08:30, where the clock is left. NMAT §14 counts the hearing from then.
 */
export async function nmatAtStageFour(deps: Deps, clock: TestClock, schoolId = 'nunthorpe'): Promise<CaseRecord> {
  clock.set('2026-11-06T09:00:00Z');
  const r = await recordComplaint(deps, P.teacher, stageThreeComplaint(schoolId));
  if (r.result !== 'recorded') throw new Error(`seeding: ${r.result}`);
  clock.set('2026-11-09T09:00:00Z');
  await acknowledge(deps, P.execPrincipal, { caseId: r.case.id });
  clock.set('2026-11-20T15:00:00Z');
  await recordOutcome(deps, P.execPrincipal, {
    caseId: r.case.id,
    outcome: 'not_upheld',
    decision: 'The detentions followed the behaviour policy; each was explained to the family.',
  });
  clock.set('2026-11-24T08:30:00Z');
  return requestEscalation(deps, P.execPrincipal, { caseId: r.case.id });
}

export function memoryDeps(clock: Clock): Deps & { cases: MemoryCaseStore; schools: MemorySchoolStore } {
  let n = 0;
  return { cases: new MemoryCaseStore(), schools: new MemorySchoolStore(), clock, newId: () => `case-${++n}` };
}

/** The AppError a use case refused with; any other error goes on up, and no refusal fails the test. */
export async function appError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

/** A fresh database (dropped first) on the server the test run started. */
export async function testDatabase(name: string): Promise<Database> {
  const uri = new URL(inject('mongoUri'));
  uri.pathname = `/${name.replace(/[^a-z0-9_]/gi, '_').slice(0, 60)}`;
  const db = await connectDatabase(uri.toString());
  await db.connection.dropDatabase();
  return connectDatabase(uri.toString()).finally(() => db.close());
}

export interface StoreVariant {
  deps: Deps;
  clock: TestClock;
  close?: () => Promise<void>;
}

/** The same tests on the in-memory stores and on the real database: [name, make] pairs. */
export function storeVariants(dbPrefix: string, start = '2026-11-06T09:00:00Z'): Array<[string, () => Promise<StoreVariant>]> {
  return [
    [
      'in-memory stores',
      async () => {
        const clock = new TestClock(start);
        return { deps: memoryDeps(clock), clock };
      },
    ],
    [
      'the real database',
      async () => {
        const clock = new TestClock(start);
        const db = await testDatabase(`${dbPrefix}_${Date.now()}`);
        return { deps: { cases: db.cases, schools: db.schools, clock }, clock, close: () => db.close() };
      },
    ],
  ];
}
