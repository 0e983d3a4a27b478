/**
 * Letters for every stage of every seed policy, rendered from the outbox items the real use
 * cases queue (in-memory stores, a fixed clock), through `letterFromOutbox` and `renderLetter`.
 *
 * Every date asserted below is counted by hand from the policy's rules and a real calendar,
 * never copied from the engine. "Within N X of A" is the Nth qualifying day strictly after A;
 * "N X before B" the Nth strictly before B.
 *
 * English 2026/27 calendar (test/helpers/fold.ts ENGLAND_2026_27): autumn 2 term Mon 2 Nov to
 * Fri 18 Dec 2026; Christmas holiday to Mon 4 Jan 2027; Tue 5 Jan 2027 is an INSET day; spring 1
 * from Wed 6 Jan. No bank holidays fall in Nov 2026. November and December are GMT, so 10:00Z is
 * 10:00 at school.
 *
 *   November 2026: Mon 2, 9, 16, 23, 30   December 2026: Mon 7, 14, 21   January 2027: Mon 4, 11, 18, 25
 */
import { describe, expect, it } from 'vitest';
import { acknowledge } from '../../src/app/acknowledge.js';
import { bookHearing } from '../../src/app/bookHearing.js';
import { cancelHearing } from '../../src/app/cancelHearing.js';
import type { Deps } from '../../src/app/caseFlow.js';
import type { CaseRecord, Complainant, OutboxItem, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import { scheduleHearing } from '../../src/app/scheduleHearing.js';
import { builtInPolicy } from '../../src/domain/packs/index.js';
import { drainOutbox } from '../../src/jobs/handlers.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { letterFromOutbox, renderOutboxLetter } from '../../src/letters/fromOutbox.js';
import { formatHearingTime, formatLetterDate, renderLetter } from '../../src/letters/letters.js';
import { silentLogger } from '../../src/log.js';
import { TestClock, memoryDeps } from '../helpers/app.js';
import { ENGLAND_2026_27 } from '../helpers/fold.js';

const ACTOR = 'aad-office';
const SUBJECT_NAME = 'Mr Zebedee Subjectperson';
const ORGANISER = 'clerk@school.example';
/** A panel pool every school has: two members and one independent of the school, none involved before. */
const PAT = 'aad-pat';
const PAM = 'aad-pam';
const IAN = 'aad-ian';
const POOL: School['people'] = [
  { id: PAT, name: 'Pat Panel', email: 'pat@school.example', roles: ['panel_member'] },
  { id: PAM, name: 'Pam Panel', email: 'pam@school.example', roles: ['panel_member'] },
  { id: IAN, name: 'Ian Independent', email: 'ian@governors.example', roles: ['independent_panel_member'] },
];

const SCHOOLS: Record<string, { name: string; prefix: string; calendar: School['calendar'] }> = {
  nmat: { name: 'Nunthorpe Academy', prefix: 'NMAT', calendar: ENGLAND_2026_27 as School['calendar'] },
  miet: { name: 'Manchester Islamic Grammar School for Girls', prefix: 'MIET', calendar: ENGLAND_2026_27 as School['calendar'] },
  miag: { name: 'MIAG Alternative Provision', prefix: 'MIAG', calendar: ENGLAND_2026_27 as School['calendar'] },
  sil: { name: 'School Improvement Leicester', prefix: 'SIL', calendar: ENGLAND_2026_27 as School['calendar'] },
  kpsspp: { name: "King's Park Secondary School Parent Partnership", prefix: 'KPSSPP', calendar: { region: 'scotland' } },
};

/** A complaint moving through one policy's stages, one use case at a time, each at 10:00 on its day. */
class Walk {
  readonly clock = new TestClock('2026-11-03T10:00:00Z');
  readonly deps: Deps & ReturnType<typeof memoryDeps>;
  caseId = '';
  constructor(readonly policyId: string) {
    this.deps = memoryDeps(this.clock);
  }
  async start(on: string, opts: { stage?: number; complainant?: Partial<Complainant> } = {}): Promise<void> {
    const s = SCHOOLS[this.policyId]!;
    await this.deps.schools.save({
      id: this.policyId,
      name: s.name,
      policyId: this.policyId,
      referencePrefix: s.prefix,
      calendar: s.calendar,
      people: [{ id: ACTOR, name: 'Office Manager', email: ORGANISER, roles: ['slt', 'clerk'] }, ...POOL],
    });
    this.at(on);
    const r = await recordComplaint(this.deps, ACTOR, {
      schoolId: this.policyId,
      complainant: { name: 'Priya Parent', email: 'priya@example.com', relationship: 'parent', preferredContact: 'email', ...opts.complainant },
      about: { personName: SUBJECT_NAME },
      summary: 'Detentions given without explanation.',
      ...(opts.stage ? { stage: opts.stage } : {}),
    });
    if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
    this.caseId = r.case.id;
  }
  at(day: string): void {
    this.clock.set(`${day}T10:00:00Z`);
  }
  async acknowledge(on: string) {
    this.at(on);
    await acknowledge(this.deps, ACTOR, { caseId: this.caseId });
  }
  async outcome(on: string, outcome: string, decision = 'We looked into this carefully and spoke to the staff concerned.') {
    this.at(on);
    await recordOutcome(this.deps, ACTOR, { caseId: this.caseId, outcome: outcome as 'upheld', decision });
  }
  async escalate(on: string) {
    this.at(on);
    await requestEscalation(this.deps, ACTOR, { caseId: this.caseId });
  }
  async hearing(on: string, hearingOn: string) {
    this.at(on);
    await scheduleHearing(this.deps, ACTOR, { caseId: this.caseId, hearingOn });
  }
  /** Books (or moves) the hearing at a time from the panel card, at 10:00 on `on`. */
  async book(on: string, start: string, opts: { memberIds?: string[]; durationMinutes?: number; venue?: string; online?: boolean; reason?: string } = {}) {
    this.at(on);
    await bookHearing(this.deps, ACTOR, { caseId: this.caseId, start, organiser: ORGANISER, memberIds: opts.memberIds ?? [PAT, PAM, IAN], ...opts });
  }
  async cancel(on: string, reason: string) {
    this.at(on);
    await cancelHearing(this.deps, ACTOR, { caseId: this.caseId, reason });
  }
  /** The outbox worker's run: what is due goes to the recording messenger (letters held for review stay). */
  readonly sent = new RecordingMessenger(this.clock);
  async drain() {
    await drainOutbox({ deps: this.deps, messenger: this.sent, log: silentLogger() });
  }
  async record(): Promise<CaseRecord> {
    return (await this.deps.cases.get(this.caseId))!;
  }
  async school(): Promise<School> {
    return (await this.deps.schools.get(this.policyId))!;
  }
  /** The rendered letter of the outbox item whose key ends with `suffix`. */
  async letter(suffix: string) {
    const record = await this.record();
    const item = record.outbox.find((o) => o.key.endsWith(suffix));
    if (!item) throw new Error(`no outbox item ${suffix} in ${record.outbox.map((o) => o.key).join(', ')}`);
    const letter = renderOutboxLetter(item, record, await this.school());
    // Every letter: the school, the reference, the complainant; never the person complained about.
    for (const part of [letter.text, letter.html]) {
      expect(part).toContain(SCHOOLS[this.policyId]!.name.replace("'", part === letter.html ? '&#39;' : "'"));
      expect(part).toContain(record.reference);
      expect(part).toContain('Dear Priya Parent,');
      expect(part).not.toContain('Zebedee');
      expect(part).not.toContain('Detentions given');
    }
    if (process.env.SHOW_LETTERS) console.log(`=== ${suffix}\n${letter.subject}\n${letter.text}`);
    expect(letter.subject).toContain(record.reference);
    return letter;
  }
}

describe('formatLetterDate', () => {
  it('writes dates as a letter does, and instants in school time', () => {
    expect(formatLetterDate('2026-11-10')).toBe('Tuesday 10 November 2026');
    expect(formatLetterDate('2026-11-04T10:00:00Z')).toBe('Wednesday 4 November 2026 at 10:00');
    expect(formatLetterDate('2026-07-01T09:30:00Z')).toBe('Wednesday 1 July 2026 at 10:30'); // BST
  });
  it('writes a hearing from its start to its end in school time; a date-only hearing as its date', () => {
    expect(formatHearingTime('2026-07-01T09:30:00Z', '2026-07-01T11:30:00Z')).toBe('Wednesday 1 July 2026, from 10:30 to 12:30'); // BST
    expect(formatHearingTime('2026-12-10T12:00:00Z', '2026-12-10T14:00:00Z')).toBe('Thursday 10 December 2026, from 12:00 to 14:00');
    expect(formatHearingTime('2026-12-10T12:00:00Z', undefined)).toBe('Thursday 10 December 2026 at 12:00');
    expect(formatHearingTime('2027-01-12', undefined)).toBe('Tuesday 12 January 2027');
  });
});

describe('NMAT: four stages in school days, a panel hearing at Stage 4', () => {
  it('acknowledgement and outcome letters at every stage, the panel invitation and the decision', async () => {
    const w = new Walk('nmat');
    // Stage 1 received Tue 3 Nov. Acknowledge: 2 school days → Wed 4, Thu 5. Respond: 7 school days → 4,5,6,9,10,11,12 = Thu 12 Nov.
    await w.start('2026-11-03');
    await w.acknowledge('2026-11-04');
    let l = await w.letter(':letter:acknowledgement:1');
    expect(l.text).toContain(
      'Thank you for your complaint, which we received on Tuesday 3 November 2026. We are considering it at Stage 1 (Academy Response: informal complaint)',
    );
    expect(l.text).toContain('handled by the Teacher.');
    expect(l.text).toContain('We aim to send you a written response by Thursday 12 November 2026.');
    // Stage 1 sets no escalation window: write to the Head of School, no time limit.
    await w.outcome('2026-11-10', 'not_upheld');
    l = await w.letter(':letter:outcome:1');
    expect(l.text).toContain('has decided that your complaint is not upheld.');
    expect(l.text).toContain('please write to the Head of School at Nunthorpe Academy, saying why you remain dissatisfied');
    expect(l.text).toContain('The procedure sets no time limit');

    // Stage 2 requested Wed 11 Nov. Respond: 10 school days → 12,13,16,17,18,19,20,23,24,25 = Wed 25 Nov.
    await w.escalate('2026-11-11');
    await w.acknowledge('2026-11-12');
    l = await w.letter(':letter:acknowledgement:2');
    expect(l.text).toContain('Thank you for your request, which we received on Wednesday 11 November 2026.');
    expect(l.text).toContain('handled by the Head of School.');
    expect(l.text).toContain('by Wednesday 25 November 2026.');
    await w.outcome('2026-11-23', 'not_upheld');
    l = await w.letter(':letter:outcome:2');
    expect(l.text).toContain('please write to the Executive Principal at Nunthorpe Academy, saying why');

    // Stage 3 requested Tue 24 Nov. Respond: 10 school days → 25,26,27,30 Nov, 1,2,3,4,7,8 Dec = Tue 8 Dec.
    await w.escalate('2026-11-24');
    await w.acknowledge('2026-11-25');
    l = await w.letter(':letter:acknowledgement:3');
    expect(l.text).toContain('handled by the Executive Principal.');
    expect(l.text).toContain('by Tuesday 8 December 2026.');
    // Response Fri 4 Dec; escalation window §14: 5 school days → 7,8,9,10,11 = Fri 11 Dec. Stage 4 is convened by the clerk.
    await w.outcome('2026-12-04', 'partially_upheld');
    l = await w.letter(':letter:outcome:3');
    expect(l.text).toContain('is partially upheld.');
    expect(l.text).toContain(
      'please write to the Governance Professional and Compliance Lead at Nunthorpe Academy within five school days of receiving this letter, by Friday 11 December 2026,',
    );
    expect(l.text).toContain('Stage 4 (Trust Response: Panel Hearing) is a hearing before a panel of at least three people who were not involved');

    // Stage 4 requested Mon 7 Dec. Hearing within 15 school days → 8,9,10,11,14,15,16,17,18 Dec (9), holiday, 5 Jan INSET,
    // 6,7,8,11,12,13 Jan (15) = Wed 13 Jan 2027.
    await w.escalate('2026-12-07');
    await w.acknowledge('2026-12-08');
    l = await w.letter(':letter:acknowledgement:4');
    expect(l.text).toContain(
      'considered by a complaints panel of at least three people who were not involved in the matters raised in your complaint, one of whom is independent of the management and running of Nunthorpe Multi Academy Trust.',
    );
    expect(l.text).toContain('The Governance Professional and Compliance Lead is arranging this');
    expect(l.text).toContain('We aim to hold the hearing by Wednesday 13 January 2027');
    expect(l.text).toContain('within ten school days of the hearing');
    expect(l.text).toContain('Yours sincerely,\nGovernance Professional and Compliance Lead\nNunthorpe Academy');

    // Hearing Tue 12 Jan 2027. Papers 7 school days before → 11,8,7,6 Jan (5 Jan INSET, then holiday), 18,17,16 Dec = Wed 16 Dec.
    // Companion 2 school days before → 11, 8 Jan = Fri 8 Jan. Decision 10 school days after → 13,14,15,18,19,20,21,22,25,26 = Tue 26 Jan.
    await w.hearing('2026-12-08', '2027-01-12');
    l = await w.letter(':letter:hearing_invitation:4:2027-01-12');
    expect(l.subject).toBe('Your complaint NMAT-2026-0001: panel hearing on Tuesday 12 January 2027 (Nunthorpe Academy)');
    expect(l.text).toContain('at Stage 4 (Trust Response: Panel Hearing) on Tuesday 12 January 2027');
    expect(l.text).toContain('send it to the Governance Professional and Compliance Lead by Wednesday 16 December 2026.');
    expect(l.text).toContain('in writing by Friday 8 January 2027.');
    expect(l.text).toContain('within five school days whether you can attend');
    expect(l.text).toContain('If three proposed dates are turned down without good reason, the hearing may go ahead in your absence.');
    expect(l.text).toContain('within ten school days of the hearing, by Tuesday 26 January 2027.');

    w.at('2027-01-14');
    await w.outcome('2027-01-14', 'dismissed');
    const record = await w.record();
    const item = record.outbox.find((o) => o.key.endsWith(':letter:outcome:4'))!;
    expect(letterFromOutbox(item, record, await w.school()).kind).toBe('panel_decision');
    l = await w.letter(':letter:outcome:4');
    expect(l.subject).toContain("the panel's decision");
    expect(l.text).toContain('Following the hearing on Tuesday 12 January 2027, we are writing to tell you the decision of the panel');
    expect(l.text).toContain('The panel has decided that your complaint is dismissed.');
    expect(l.text).toContain('Stage 4 is the final stage of the NMAT Complaints Policy and Procedure (Statutory)');
    expect(l.text).toContain('you can contact the Department for Education (formerly the ESFA) after Stage Four');
  });
});

describe('MIET: three stages in working days, a panel of three at Stage 3', () => {
  it('acknowledgement and outcome letters at every stage, the panel invitation and the decision', async () => {
    const w = new Walk('miet');
    // Stage 1 received Tue 3 Nov. Respond: 10 working days → 4,5,6,9,10,11,12,13,16,17 = Tue 17 Nov.
    // Stages 1 and 2 target: 28 working days → 4-6 (3), 9-13 (8), 16-20 (13), 23-27 (18), 30 (19), 1-4 Dec (23), 7-11 Dec (28) = Fri 11 Dec.
    await w.start('2026-11-03');
    await w.acknowledge('2026-11-04');
    let l = await w.letter(':letter:acknowledgement:1');
    expect(l.text).toContain('handled by the class teacher.');
    expect(l.text).toContain('by Tuesday 17 November 2026.');
    expect(l.text).toContain('We aim to complete Stages 1 to 2 of the procedure by Friday 11 December 2026.');
    await w.outcome('2026-11-10', 'not_upheld');
    l = await w.letter(':letter:outcome:1');
    expect(l.text).toContain('please write to the Head Teacher at Manchester Islamic Grammar School for Girls, saying why');

    // Stage 2 requested Wed 11 Nov. Respond: 10 working days → 12,13,16,17,18,19,20,23,24,25 = Wed 25 Nov.
    await w.escalate('2026-11-11');
    await w.acknowledge('2026-11-12');
    l = await w.letter(':letter:acknowledgement:2');
    expect(l.text).toContain('handled by the Head Teacher.');
    expect(l.text).toContain('by Wednesday 25 November 2026.');
    // Response Mon 23 Nov; "write to the Trust office within five working days of the stage 2 decision" → 24,25,26,27,30 = Mon 30 Nov.
    await w.outcome('2026-11-23', 'not_upheld');
    l = await w.letter(':letter:outcome:2');
    expect(l.text).toContain(
      'please write to the Trust office at Manchester Islamic Grammar School for Girls within five working days of receiving this letter, by Monday 30 November 2026,',
    );
    expect(l.text).toContain(
      'Stage 3 (Panel Hearing) is a hearing before a panel of three people who were not involved in the matters raised in your complaint, one of whom is independent of the management and running of MIET schools.',
    );

    // Stage 3 requested Tue 24 Nov. Hearing within 14 working days → 25,26,27,30 Nov, 1,2,3,4,7,8,9,10,11,14 Dec = Mon 14 Dec.
    await w.escalate('2026-11-24');
    await w.acknowledge('2026-11-25');
    l = await w.letter(':letter:acknowledgement:3');
    expect(l.text).toContain('The Trust office is arranging this');
    expect(l.text).toContain('We aim to hold the hearing by Monday 14 December 2026');
    expect(l.text).toContain('within seven working days of the hearing');
    // Hearing Thu 10 Dec. Papers 3 working days before → 9, 8, 7 = Mon 7 Dec. Decision 7 working days after → 11,14,15,16,17,18,21 = Mon 21 Dec.
    await w.hearing('2026-11-25', '2026-12-10');
    l = await w.letter(':letter:hearing_invitation:3:2026-12-10');
    expect(l.text).toContain('on Thursday 10 December 2026');
    expect(l.text).toContain('send it to the Trust office by Monday 7 December 2026.');
    expect(l.text).toContain('You may bring someone with you to support you; please tell the Trust office beforehand who it will be.');
    expect(l.text).toContain('by Monday 21 December 2026.');
    expect(l.text).not.toContain('proposed dates');
    await w.outcome('2026-12-11', 'upheld');
    l = await w.letter(':letter:outcome:3');
    expect(l.text).toContain('Following the hearing on Thursday 10 December 2026');
    expect(l.text).toContain('The panel has decided that your complaint is upheld.');
    expect(l.text).toContain(
      'The decision of the Panel is final. If you believe the school did not follow its published procedure you may contact the Department for Education',
    );
  });
});

describe('MIAG: three stages, 24-hour acknowledgements, a panel of at least two', () => {
  it('acknowledgement and outcome letters at every stage, the panel invitation and the decision', async () => {
    const w = new Walk('miag');
    await w.start('2026-11-03');
    await w.acknowledge('2026-11-03');
    let l = await w.letter(':letter:acknowledgement:1');
    expect(l.text).toContain('handled by the member of staff.');
    expect(l.text).not.toContain('We aim to send you');
    await w.outcome('2026-11-05', 'not_upheld');
    l = await w.letter(':letter:outcome:1');
    expect(l.text).toContain('please write to the Senior Leadership Team at MIAG Alternative Provision, saying why');
    expect(l.text).toContain('The procedure sets no time limit');

    await w.escalate('2026-11-06');
    await w.acknowledge('2026-11-06');
    l = await w.letter(':letter:acknowledgement:2');
    expect(l.text).toContain('handled by the Senior Leadership Team.');
    await w.outcome('2026-11-09', 'not_upheld');
    l = await w.letter(':letter:outcome:2');
    // Action Stages 6: the panel is "set up by Head of ALP".
    expect(l.text).toContain('please write to the Head of ALP at MIAG Alternative Provision, saying why');

    // Stage 3 requested Tue 10 Nov; panel decision within 4 weeks → Tue 8 Dec.
    await w.escalate('2026-11-10');
    await w.acknowledge('2026-11-10');
    l = await w.letter(':letter:acknowledgement:3');
    expect(l.text).toContain('complaints panel of at least two people who were not involved');
    expect(l.text).toContain('The panel aims to send you its decision by Tuesday 8 December 2026.');
    await w.hearing('2026-11-12', '2026-11-26');
    l = await w.letter(':letter:hearing_invitation:3:2026-11-26');
    expect(l.text).toContain('on Thursday 26 November 2026');
    expect(l.text).toContain('The panel aims to send you its decision by Tuesday 8 December 2026.');
    await w.outcome('2026-11-27', 'dismissed');
    l = await w.letter(':letter:outcome:3');
    expect(l.text).toContain('Following the hearing on Thursday 26 November 2026');
    expect(l.text).toContain("The panel's findings and recommendations are final");
  });
});

describe('SIL: two stages in weeks', () => {
  it('acknowledgement and outcome letters at both stages', async () => {
    const w = new Walk('sil');
    // Stage 1 received Tue 3 Nov; a definitive reply within four weeks → Tue 1 Dec.
    await w.start('2026-11-03');
    await w.acknowledge('2026-11-05');
    let l = await w.letter(':letter:acknowledgement:1');
    expect(l.text).toContain('handled by the SIL Project Lead.');
    expect(l.text).toContain('by Tuesday 1 December 2026.');
    await w.outcome('2026-11-17', 'not_upheld');
    l = await w.letter(':letter:outcome:1');
    expect(l.text).toContain('please write to the SIL Board member at School Improvement Leicester, saying why');
    expect(l.text).toContain('The procedure sets no time limit');
    // Stage 2 requested Wed 18 Nov; four weeks → Wed 16 Dec.
    await w.escalate('2026-11-18');
    await w.acknowledge('2026-11-19');
    l = await w.letter(':letter:acknowledgement:2');
    expect(l.text).toContain('handled by the SIL Board member.');
    expect(l.text).toContain('by Wednesday 16 December 2026.');
    await w.outcome('2026-12-07', 'not_upheld');
    l = await w.letter(':letter:outcome:2');
    expect(l.text).toContain('Stage 2 is the final stage of the SIL Complaints Procedure');
    expect(l.text).toContain('The decision taken at Stage Two is final.');
  });
});

describe('KPSSPP: a subgroup, then an external investigator only when it cannot decide (Scotland)', () => {
  it('acknowledgement and outcome letters at both stages', async () => {
    const w = new Walk('kpsspp');
    // Received Tue 3 Nov; Stage One "within 2 weeks" → Tue 17 Nov. The Chairperson acknowledges.
    await w.start('2026-11-03');
    await w.acknowledge('2026-11-04');
    let l = await w.letter(':letter:acknowledgement:1');
    expect(l.text).toContain('considered by a group of three people picked at random who were not involved in the matters raised in your complaint.');
    expect(l.text).toContain('The KPSSPP Chairperson is arranging this');
    expect(l.text).toContain('by Tuesday 17 November 2026.');
    expect(l.text).toContain('Yours sincerely,\nKPSSPP Chairperson');
    // Undecided Mon 16 Nov: straight to Stage Two, 4 weeks → Mon 14 Dec.
    await w.outcome('2026-11-16', 'undecided');
    l = await w.letter(':letter:outcome:1');
    expect(l.text).toContain('was unable to reach a decision on your complaint.');
    expect(l.text).toContain(
      'your complaint now moves on to Stage Two: external investigation. You do not need to do anything: it will be considered by the external third-party investigator. We aim to send you a response by Monday 14 December 2026.',
    );
    await w.acknowledge('2026-11-17');
    l = await w.letter(':letter:acknowledgement:2');
    expect(l.text).toContain(
      'Your complaint moved to Stage Two: external investigation of the KPSSPP Complaints policy and procedure on Monday 16 November 2026.',
    );
    expect(l.text).toContain('handled by the external third-party investigator.');
    expect(l.text).toContain('by Monday 14 December 2026.');
    await w.outcome('2026-12-11', 'upheld');
    l = await w.letter(':letter:outcome:2');
    expect(l.text).toContain('Stage 2 is the final stage of the KPSSPP Complaints policy and procedure');
    expect(l.text).toContain('Scottish Public Services Ombudsman (SPSO)');
  });

  it('a Stage One outcome other than undecided ends the complaint, with the Scottish route', async () => {
    const w = new Walk('kpsspp');
    await w.start('2026-11-03');
    await w.outcome('2026-11-16', 'not_upheld');
    const l = await w.letter(':letter:outcome:1');
    expect(l.text).toContain(
      'a complaint goes on to Stage Two: external investigation only when the outcome at this stage is undecided, so this concludes the complaints procedure',
    );
    expect(l.text).toContain('Glasgow City Council Education Services');
    expect(l.text).not.toContain('please write to');
  });
});

/**
 * A hearing booked at a time from the panel card (bookHearing), moved and cancelled. The letter
 * gives the time and the place; how to join online depends on whether the complainant gets email
 * (and so the Outlook invitation with the link) or letters by post. All times are GMT, so the
 * school's wall clock reads as UTC.
 */
describe('a hearing booked at a time: the invitation gives the time and the place, a move says from what to what and why, a cancellation says what next', () => {
  it('NMAT: in a meeting room and on Teams, moved to the hall with the reason, then cancelled while §14 still allows time; the letter is held for review like any other', async () => {
    const w = new Walk('nmat');
    // Stage 4 received Mon 7 Dec. Hearing within 15 school days: 8-11, 14-18 Dec (9), holidays, 5 Jan INSET, 6, 7, 8, 11, 12, 13 Jan (15) = Wed 13 Jan 2027.
    // Booked Tue 8 Dec: 10 school days' notice: 9-11, 14-18 Dec (8), 6, 7 Jan (10) = Thu 7 Jan is the earliest date.
    await w.start('2026-12-07', { stage: 4 });
    await w.book('2026-12-08', '2027-01-12T10:00', { venue: 'Nunthorpe Academy, meeting room 2' });
    let l = await w.letter(':letter:hearing_invitation:4:1');
    expect(l.subject).toBe('Your complaint NMAT-2026-0001: panel hearing on Tuesday 12 January 2027 at 10:00 (Nunthorpe Academy)');
    expect(l.text).toContain('at Stage 4 (Trust Response: Panel Hearing) on Tuesday 12 January 2027, from 10:00 to 12:00. You are invited to attend.');
    expect(l.text).toContain(
      'The hearing will be held at Nunthorpe Academy, meeting room 2. You may also join it online, as a Microsoft Teams meeting: the link to join is in the calendar invitation we have sent to your email address.',
    );
    expect(l.text).not.toContain('separate invitation');
    expect(l.text).not.toContain('has moved');
    // Hearing Tue 12 Jan: papers 7 school days before = Wed 16 Dec; companion 2 before = Fri 8 Jan; decision 10 after = Tue 26 Jan.
    expect(l.text).toContain('by Wednesday 16 December 2026.');
    expect(l.text).toContain('in writing by Friday 8 January 2027.');
    expect(l.text).toContain('within ten school days of the hearing, by Tuesday 26 January 2027.');

    await w.book('2026-12-09', '2027-01-13T14:00', {
      venue: 'the main hall, Nunthorpe Academy',
      online: false,
      reason: 'The independent member is in court on the 12th.',
    });
    l = await w.letter(':letter:hearing_invitation:4:2');
    expect(l.subject).toBe('Your complaint NMAT-2026-0001: panel hearing on Wednesday 13 January 2027 at 14:00 (Nunthorpe Academy)');
    expect(l.text).toContain('on Wednesday 13 January 2027, from 14:00 to 16:00. You are invited to attend.');
    expect(l.text).toContain(
      'The hearing has moved from Tuesday 12 January 2027 at 10:00 to Wednesday 13 January 2027 at 14:00. The reason for the change:\n\n    The independent member is in court on the 12th.',
    );
    expect(l.text).toContain('The hearing will be held at the main hall, Nunthorpe Academy.\n');
    expect(l.text).not.toContain('Microsoft Teams');
    // Hearing Wed 13 Jan: papers 12, 11, 8, 7, 6 Jan, (5 Jan INSET, holidays) 18, 17 Dec = Thu 17 Dec; companion 12, 11 = Mon 11 Jan;
    // decision 14, 15, 18-22, 25, 26, 27 Jan = Wed 27 Jan.
    expect(l.text).toContain('by Thursday 17 December 2026.');
    expect(l.text).toContain('in writing by Monday 11 January 2027.');
    expect(l.text).toContain('by Wednesday 27 January 2027.');

    // The outbox worker sends the new invitation (the first, overtaken, never goes): the complainant knows of the hearing.
    await w.drain();
    // Letters a person queues wait for them to read first (LETTER_REVIEW_MINUTES), the cancellation too.
    w.deps.letterReviewMs = 10 * 60_000;
    await w.cancel('2026-12-10', 'The chair of the panel is ill.');
    const record = await w.record();
    const item = record.outbox.find((o) => o.key === `${w.caseId}:letter:hearing_cancelled:4:2`)!;
    expect(item).toMatchObject({ kind: 'letter', to: 'complainant', template: 'hearing_cancelled_letter', holdUntil: new Date('2026-12-10T10:10:00Z') });
    expect(record.outbox.find((o) => o.key === `${item.key}:review`)).toMatchObject({ kind: 'message', to: ACTOR, template: 'letter_review' });
    expect(letterFromOutbox(item, record, await w.school()).kind).toBe('hearing_cancelled');
    l = await w.letter(':letter:hearing_cancelled:4:2');
    expect(l.subject).toBe('Your complaint NMAT-2026-0001: the panel hearing on Wednesday 13 January 2027 at 14:00 is cancelled (Nunthorpe Academy)');
    expect(l.text).toContain(
      'We are writing about your complaint (reference NMAT-2026-0001) at Stage 4 (Trust Response: Panel Hearing). The panel hearing arranged for Wednesday 13 January 2027 at 14:00 will not go ahead.',
    );
    expect(l.text).toContain('The reason:\n\n    The chair of the panel is ill.');
    // The §14 date counted from the request (Wed 13 Jan) is still ahead on Thu 10 Dec.
    expect(l.text).toContain(
      'We will write to you with a new date for the hearing. Under the NMAT Complaints Policy and Procedure (Statutory), the hearing should be held by Wednesday 13 January 2027.',
    );
    // No Outlook event was made here (no calendar sender ran), so none is said to be cancelled.
    expect(l.text).not.toContain('calendar invitation');
    expect(l.text).toContain('Yours sincerely,\nGovernance Professional and Compliance Lead\nNunthorpe Academy');
  });

  it('MIET: online only for a complainant who asked for letters by post; cancelled, re-booked past the 14 working days, cancelled again', async () => {
    const w = new Walk('miet');
    // Stage 3 received Tue 24 Nov: hearing within 14 working days = Mon 14 Dec (as above). They gave an email address but asked for post.
    await w.start('2026-11-24', { stage: 3, complainant: { preferredContact: 'letter', address: '1 Acacia Avenue, Manchester M14 5AA' } });
    await w.book('2026-11-25', '2026-12-10T13:30', { durationMinutes: 90 });
    let l = await w.letter(':letter:hearing_invitation:3:1');
    expect(l.text).toContain('at Stage 3 (Panel Hearing) on Thursday 10 December 2026, from 13:30 to 15:00. You are invited to attend.');
    // Only someone who gets email is sent the Outlook invitation with the link.
    expect(l.text).toContain(
      'The hearing will be held online, as a Microsoft Teams meeting. We will tell you how to join before the hearing; if you have not heard from us, please contact the Trust office.',
    );
    expect(l.text).not.toContain('email');
    // Papers 3 working days before Thu 10 Dec = Mon 7 Dec; decision 7 working days after = Mon 21 Dec.
    expect(l.text).toContain('send it to the Trust office by Monday 7 December 2026.');
    expect(l.text).toContain('by Monday 21 December 2026.');

    await w.drain(); // the invitation is posted
    await w.cancel('2026-12-01', 'Two panel members are unwell.');
    l = await w.letter(':letter:hearing_cancelled:3:1');
    expect(l.text).toContain('The panel hearing arranged for Thursday 10 December 2026 at 13:30 will not go ahead.');
    expect(l.text).toContain('Under the MIET Complaints Policy, the hearing should be held by Monday 14 December 2026.');
    expect(l.text).toContain('If you have any questions, please contact the Trust office.');

    // Re-booked on Tue 15 Dec, after the 14 working days ran out: a first booking again, nothing "moved".
    await w.book('2026-12-15', '2026-12-18T10:00', { reason: 'The earliest day the whole panel can meet.' });
    l = await w.letter(':letter:hearing_invitation:3:2');
    expect(l.text).toContain('on Friday 18 December 2026, from 10:00 to 12:00.');
    expect(l.text).not.toContain('has moved');
    await w.drain();
    await w.cancel('2026-12-16', 'The complainant asked for a date in the new year.');
    l = await w.letter(':letter:hearing_cancelled:3:2');
    expect(l.text).toContain('The panel hearing arranged for Friday 18 December 2026 at 10:00 will not go ahead.');
    // Mon 14 Dec has passed: no date the policy expects is given.
    expect(l.text).toContain('We will write to you with a new date for the hearing.\n');
    expect(l.text).not.toContain('should be held by');
  });

  it('MIAG: in person only, with the date the panel aims to decide by; a new room is written, a new panel member is not; cancelled, that date still stands', async () => {
    const w = new Walk('miag');
    // Stage 3 received Tue 10 Nov: the panel decides within 4 weeks = Tue 8 Dec; MIAG sets no separate hearing deadline.
    await w.start('2026-11-10', { stage: 3 });
    await w.book('2026-11-12', '2026-11-26T09:30', { memberIds: [PAT, PAM], venue: 'MIAG Alternative Provision, the library', online: false });
    let l = await w.letter(':letter:hearing_invitation:3:1');
    expect(l.text).toContain('at Stage 3 (Complaint heard by Complaints Panel) on Thursday 26 November 2026, from 09:30 to 11:30. You are invited to attend.');
    expect(l.text).toContain('The hearing will be held at MIAG Alternative Provision, the library.\n');
    expect(l.text).not.toContain('Microsoft Teams');
    expect(l.text).toContain('The panel aims to send you its decision by Tuesday 8 December 2026.');
    // Another member, same time and place: nothing for the complainant.
    await w.book('2026-11-13', '2026-11-26T09:30', {
      memberIds: [PAT, IAN],
      venue: 'MIAG Alternative Provision, the library',
      online: false,
      reason: 'Pam Panel is unwell.',
    });
    expect((await w.record()).outbox.filter((o) => o.template === 'hearing_invitation_letter').map((o) => o.key)).toEqual([
      `${w.caseId}:letter:hearing_invitation:3:1`,
    ]);
    // Same time, another room: they are told where, and why.
    await w.book('2026-11-16', '2026-11-26T09:30', {
      memberIds: [PAT, IAN],
      venue: 'MIAG Alternative Provision, room 4',
      online: false,
      reason: 'The library is flooded.',
    });
    l = await w.letter(':letter:hearing_invitation:3:3');
    expect(l.text).toContain('The hearing stays at the same time, but where it is held has changed. The reason for the change:\n\n    The library is flooded.');
    expect(l.text).toContain('The hearing will be held at MIAG Alternative Provision, room 4.\n');
    await w.drain();
    await w.cancel('2026-11-23', 'Two of the panel are unwell.');
    l = await w.letter(':letter:hearing_cancelled:3:3');
    expect(l.text).toContain('The panel hearing arranged for Thursday 26 November 2026 at 09:30 will not go ahead.');
    expect(l.text).toContain('We will write to you with a new date for the hearing. The panel still aims to send you its decision by Tuesday 8 December 2026.');
    expect(l.text).toContain('Yours sincerely,\nHead of ALP\nMIAG Alternative Provision');
  });

  it('a date-only hearing keeps "a separate invitation"; moved, it says from which date to which and why; cancelled, it says so', async () => {
    const w = new Walk('miet');
    await w.start('2026-11-24', { stage: 3 });
    await w.hearing('2026-11-25', '2026-12-10');
    let l = await w.letter(':letter:hearing_invitation:3:2026-12-10');
    expect(l.text).toContain('on Thursday 10 December 2026. You are invited to attend.');
    expect(l.text).toContain('We will send you the time and the venue, or the link to join online, in a separate invitation.');
    w.at('2026-11-26');
    await scheduleHearing(w.deps, ACTOR, { caseId: w.caseId, hearingOn: '2026-12-11', reason: 'The chair is away on the 10th.' });
    l = await w.letter(':letter:hearing_invitation:3:2026-12-11');
    expect(l.text).toContain(
      'The hearing has moved from Thursday 10 December 2026 to Friday 11 December 2026. The reason for the change:\n\n    The chair is away on the 10th.',
    );
    await w.drain();
    await w.cancel('2026-11-27', 'The panel cannot be formed that week.');
    l = await w.letter(':letter:hearing_cancelled:3:2');
    expect(l.text).toContain('The panel hearing arranged for Friday 11 December 2026 will not go ahead.');
    expect(l.text).toContain('should be held by Monday 14 December 2026.');
  });
});

/**
 * The cancellation letter goes only to a complainant who was written to about the hearing: an
 * invitation of the stage's current hearing (the bookings since the last cancellation) sent, or
 * in the outbox worker's hands. One still held for review is overtaken by the cancellation and
 * never sent (src/letters/mailer.ts letterSuperseded), so there is nothing to cancel for them.
 * MIET Stage 3 received Tue 24 Nov: the hearing is due within 14 working days, by Mon 14 Dec.
 */
describe('a cancellation is written only to a complainant who was told of the hearing', () => {
  const REVIEW = 10 * 60_000;
  const lettersOf = (record: CaseRecord, template: string) => record.outbox.filter((o) => o.kind === 'letter' && o.template === template);

  it('MIET: an invitation still held for review is overtaken, so the cancellation writes nothing; after one was sent, it writes; an earlier hearing’s letter does not count', async () => {
    const w = new Walk('miet');
    await w.start('2026-11-24', { stage: 3 });
    w.deps.letterReviewMs = REVIEW;

    // Booked Wed 25 Nov at 10:00; the invitation waits for review until 10:10, then the outbox worker sends it.
    await w.book('2026-11-25', '2026-12-10T13:30');
    w.clock.set('2026-11-25T10:20:00Z');
    await w.drain();
    expect(w.sent.delivered.filter((m) => m.kind === 'letter').map((m) => m.key)).toEqual([`${w.caseId}:letter:hearing_invitation:3:1`]);
    await w.cancel('2026-11-26', 'Two panel members are unwell.');
    expect(lettersOf(await w.record(), 'hearing_cancelled_letter').map((o) => o.key)).toEqual([`${w.caseId}:letter:hearing_cancelled:3:1`]);

    // Booked again Fri 27 Nov at 10:00, and cancelled at 10:05, while its invitation still waits for review.
    await w.book('2026-11-27', '2026-12-11T10:00');
    w.clock.set('2026-11-27T10:05:00Z');
    await cancelHearing(w.deps, ACTOR, { caseId: w.caseId, reason: 'The chair is ill.' });
    const record = await w.record();
    expect(lettersOf(record, 'hearing_cancelled_letter').map((o) => o.key)).toEqual([`${w.caseId}:letter:hearing_cancelled:3:1`]);
    expect(record.outbox.filter((o) => o.template === 'letter_review').map((o) => o.data.letterKey)).not.toContain(`${w.caseId}:letter:hearing_cancelled:3:2`);
    // The panel's Outlook event is cancelled all the same.
    expect(record.outbox.find((o) => o.key === `${w.caseId}:calendar:hearing:3:cancel:2`)).toMatchObject({
      data: { action: 'cancel', reason: 'The chair is ill.' },
    });

    // Once the holds are over, the worker sends the first cancellation and never the overtaken invitation.
    w.clock.set('2026-11-27T10:30:00Z');
    await w.drain();
    expect(w.sent.delivered.filter((m) => m.kind === 'letter').map((m) => m.key)).toEqual([
      `${w.caseId}:letter:hearing_invitation:3:1`,
      `${w.caseId}:letter:hearing_cancelled:3:1`,
    ]);
    expect((await w.record()).outbox.find((o) => o.key === `${w.caseId}:letter:hearing_invitation:3:2`)).toMatchObject({
      status: 'failed',
      error: 'superseded: the hearing was cancelled',
    });
  });

  it('NMAT: an invitation the outbox worker is sending when the hearing is cancelled may reach the complainant, so the cancellation is written', async () => {
    const w = new Walk('nmat');
    await w.start('2026-12-07', { stage: 4 });
    await w.book('2026-12-08', '2027-01-12T10:00', { venue: 'Nunthorpe Academy, meeting room 2' });
    // The worker has claimed the invitation (and the calendar request) and not finished when the clerk cancels.
    const claimed = await w.deps.cases.claimOutbox(w.clock.now(), new Date(w.clock.now().getTime() - 5 * 60_000), 25);
    expect(claimed.map((c) => c.item.key)).toContain(`${w.caseId}:letter:hearing_invitation:4:1`);
    await w.cancel('2026-12-09', 'The chair of the panel is ill.');
    const l = await w.letter(':letter:hearing_cancelled:4:1');
    expect(l.text).toContain('The panel hearing arranged for Tuesday 12 January 2027 at 10:00 will not go ahead.');
  });
});

describe('escaping and the other letter kinds', () => {
  const policy = builtInPolicy('nmat');
  const base = { schoolName: 'Nunthorpe Academy', complainantName: 'Sam <Smith> & Co', reference: 'NMAT-2026-0009', policy, stage: 2, deadlines: [] };

  it('escapes a decision containing <script> in the HTML, and keeps the text readable', () => {
    const l = renderLetter('outcome', {
      ...base,
      outcome: 'not_upheld',
      decision: 'We found <script>alert("x")</script> & "nothing" else.\n\nSecond paragraph.',
    });
    expect(l.html).not.toContain('<script>');
    expect(l.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;nothing&quot; else.');
    expect(l.html).toContain('Dear Sam &lt;Smith&gt; &amp; Co,');
    expect(l.html).toContain('<p>Second paragraph.</p>');
    expect(l.text).toContain('    We found <script>alert("x")</script> & "nothing" else.');
  });

  it('extension, timescale, pause and withdrawal letters', () => {
    let l = renderLetter('extension', {
      ...base,
      extension: { kind: 'respond', previousDue: '2026-11-25', newDue: '2026-12-02' },
      reason: 'A key witness is away until 30 November.',
    });
    expect(l.text).toContain(
      'We had aimed to send you our response by Wednesday 25 November 2026, but we need more time, and will now do so by Wednesday 2 December 2026.',
    );
    expect(l.text).toContain('A key witness is away');
    l = renderLetter('timescale', {
      ...base,
      resumedOn: '2026-11-16',
      deadlines: [
        { stage: 2, kind: 'respond', due: '2026-11-30' },
        { stage: 2, kind: 'acknowledge', due: '2026-11-18', metOn: '2026-11-12' },
      ],
    });
    expect(l.text).toContain('We have now resumed it on Monday 16 November 2026');
    expect(l.text).toContain('- We aim to send you our response by Monday 30 November 2026.');
    expect(l.text).not.toContain('acknowledge your complaint');
    l = renderLetter('pause', { ...base, pausedOn: '2026-11-10' });
    expect(l.text).toContain('is suspended from Tuesday 10 November 2026');
    l = renderLetter('withdrawal_confirmation', { ...base, withdrawnOn: '2026-11-10', retainUntil: '2032-11-10' });
    expect(l.text).toContain('you withdrew your complaint (reference NMAT-2026-0009) on Tuesday 10 November 2026');
    expect(l.text).toContain('until Wednesday 10 November 2032');
  });

  it('refuses an outbox item that is not a letter, or a template it does not know', async () => {
    const w = new Walk('sil');
    await w.start('2026-11-03');
    const record = await w.record();
    const school = await w.school();
    const item: OutboxItem = {
      key: 'k',
      kind: 'letter',
      to: 'complainant',
      template: 'mystery_letter',
      data: {},
      status: 'pending',
      createdAt: new Date(),
      attempts: 0,
    };
    expect(() => letterFromOutbox(item, record, school)).toThrow(/no letter for template "mystery_letter"/);
    expect(() => letterFromOutbox({ ...item, kind: 'message' }, record, school)).toThrow(/not a letter/);
  });
});
