/**
 * Letters are sent and recorded for every stage of every seed policy: a complaint walks through
 * each policy's stages with the use cases, on the real database; the outbox worker
 * (drainOutbox) hands letters to GraphLetterMailer, which mails them from the complaints mailbox
 * through the local Graph stand-in over real HTTP, and messages (and calendar requests) to a
 * RecordingMessenger. After every step: exactly the letter that step queued reached sendMail for
 * the complaints mailbox, addressed to the complainant alone, with the right subject and next
 * step; its outbox item is marked sent with the time; and a second drain sends nothing.
 *
 * MIET's hearing is cancelled (the complainant is written to, once) and set again.
 *
 * The walks and their dates are those of test/letters/letters.test.ts, where each date is
 * counted by hand from the policy's rule and the school calendar (English 2026/27 terms: autumn 2
 * Mon 2 Nov - Fri 18 Dec 2026, Tue 5 Jan 2027 an INSET day; KPSSPP: Scotland, no terms). Each
 * step happens at 10:00 school time (GMT in November to January).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoDeliveryLedger } from '../../bot/teamsMessenger.js';
import { acknowledge } from '../../src/app/acknowledge.js';
import { cancelHearing } from '../../src/app/cancelHearing.js';
import type { Deps } from '../../src/app/caseFlow.js';
import type { CaseRecord, Messenger, School } from '../../src/app/ports.js';
import { recordComplaint } from '../../src/app/recordComplaint.js';
import { recordHearingHeld } from '../../src/app/recordHearingHeld.js';
import { recordOutcome } from '../../src/app/recordOutcome.js';
import { requestEscalation } from '../../src/app/requestEscalation.js';
import { previewLetter, sendLetter } from '../../src/app/reviewLetter.js';
import { scheduleHearing } from '../../src/app/scheduleHearing.js';
import { withdraw } from '../../src/app/withdraw.js';
import { drainOutbox } from '../../src/jobs/handlers.js';
import { RecordingMessenger } from '../../src/jobs/messengers.js';
import { escapeHtml } from '../../src/letters/letters.js';
import { GraphLetterMailer } from '../../src/letters/mailer.js';
import { silentLogger } from '../../src/log.js';
import type { Database } from '../../src/store/mongo.js';
import { GraphStandIn, standInGateway } from '../graph/graphStandIn.js';
import { TestClock, testDatabase } from '../helpers/app.js';
import { ENGLAND_2026_27 } from '../helpers/fold.js';

const MAILBOX = 'complaints@school.example';
const ACTOR = 'aad-office';
const COMPLAINANT = { name: 'Priya Parent', address: 'priya@example.com' };

const SCHOOLS: Record<string, { name: string; prefix: string; calendar: School['calendar'] }> = {
  nmat: { name: 'Nunthorpe Academy', prefix: 'NMAT', calendar: ENGLAND_2026_27 as School['calendar'] },
  miet: { name: 'Manchester Islamic Grammar School for Girls', prefix: 'MIET', calendar: ENGLAND_2026_27 as School['calendar'] },
  miag: { name: 'MIAG Alternative Provision', prefix: 'MIAG', calendar: ENGLAND_2026_27 as School['calendar'] },
  sil: { name: 'School Improvement Leicester', prefix: 'SIL', calendar: ENGLAND_2026_27 as School['calendar'] },
  kpsspp: { name: "King's Park Secondary School Parent Partnership", prefix: 'KPSSPP', calendar: { region: 'scotland' } },
};

let standIn: GraphStandIn;

beforeAll(async () => {
  standIn = await GraphStandIn.start();
  standIn.addUser({ id: 'u-box', displayName: 'Complaints', mail: MAILBOX, userPrincipalName: MAILBOX });
});
afterAll(async () => {
  await standIn?.close();
});

type Mail = { subject: string; html: string };

/** One policy's school on its own database, with the outbox worker wired as `npm start` wires it. */
class Walk {
  readonly clock = new TestClock('2026-11-03T10:00:00Z');
  readonly messages = new RecordingMessenger(this.clock);
  deps!: Deps;
  private db!: Database;
  private messenger!: Messenger;
  caseId = '';
  reference = '';

  constructor(
    readonly policyId: string,
    private readonly letterReviewMs = 0,
  ) {}

  get schoolName(): string {
    return SCHOOLS[this.policyId]!.name;
  }

  async open(): Promise<this> {
    this.db = await testDatabase(`seed_letters_${this.policyId}_${Date.now()}`);
    this.deps = { cases: this.db.cases, schools: this.db.schools, clock: this.clock, letterReviewMs: this.letterReviewMs };
    const s = SCHOOLS[this.policyId]!;
    await this.deps.schools.save({
      id: this.policyId,
      name: s.name,
      policyId: this.policyId,
      referencePrefix: s.prefix,
      calendar: s.calendar,
      people: [{ id: ACTOR, name: 'Olive Office', roles: ['slt', 'clerk'] }],
    });
    const mailer = new GraphLetterMailer({
      deps: this.deps,
      gateway: standInGateway(standIn),
      mailbox: MAILBOX,
      deliveries: await MongoDeliveryLedger.create(this.db.connection.db!),
      log: silentLogger(),
    });
    this.messenger = { send: (m) => (m.kind === 'letter' ? mailer.send(m) : this.messages.send(m)) };
    return this;
  }

  async close(): Promise<void> {
    await this.db?.close();
  }

  at(day: string, time = '10:00:00'): void {
    this.clock.set(`${day}T${time}Z`);
  }

  async start(on: string): Promise<void> {
    this.at(on);
    const r = await recordComplaint(this.deps, ACTOR, {
      schoolId: this.policyId,
      complainant: { name: COMPLAINANT.name, email: COMPLAINANT.address, relationship: 'parent', preferredContact: 'email' },
      about: { personName: 'Mr Zebedee Subjectperson' },
      summary: 'Detentions given without explanation.',
      duplicates: 'separate',
    });
    if (r.result !== 'recorded') throw new Error(`not recorded: ${r.result}`);
    this.caseId = r.case.id;
    this.reference = r.case.reference;
  }

  record(): Promise<CaseRecord> {
    return this.deps.cases.get(this.caseId) as Promise<CaseRecord>;
  }

  /** Runs the outbox worker; returns what it mailed this time. */
  async drain(): Promise<Array<{ mailbox: string; message: Record<string, unknown> }>> {
    const before = standIn.sentMail.length;
    await drainOutbox({ deps: this.deps, messenger: this.messenger, log: silentLogger() });
    return standIn.sentMail.slice(before) as Array<{ mailbox: string; message: Record<string, unknown> }>;
  }

  /**
   * Drains the outbox and checks the one letter this step queued went out: from the complaints
   * mailbox, to the complainant alone, with `subject`; its outbox item marked sent at the time;
   * nothing else left to send, and a second drain sending nothing. Returns the letter mailed.
   */
  async mailed(keySuffix: string, subject: string): Promise<Mail> {
    const mails = await this.drain();
    expect(mails, `one letter for ${keySuffix}`).toHaveLength(1);
    const { mailbox, message } = mails[0]!;
    expect(mailbox).toBe(MAILBOX);
    expect(Object.keys(message).sort()).toEqual(['body', 'subject', 'toRecipients']); // no cc, no bcc
    expect(message.toRecipients).toEqual([{ emailAddress: COMPLAINANT }]);
    expect(message.subject).toBe(`${subject} (${this.schoolName})`);
    const body = message.body as { contentType: string; content: string };
    expect(body.contentType).toBe('HTML');
    const record = await this.record();
    const letter = record.outbox.find((o) => o.kind === 'letter' && o.key === `${this.caseId}${keySuffix}`);
    expect(letter, `outbox letter ${keySuffix} in ${record.outbox.map((o) => o.key).join(', ')}`).toMatchObject({
      status: 'sent',
      sentAt: this.clock.now(),
      attempts: 1,
    });
    expect(record.outbox.filter((o) => o.status !== 'sent').map((o) => o.key)).toEqual([]);
    // Every letter: the school, the reference, the complainant; never the person complained about nor the complaint itself.
    for (const part of [this.schoolName, this.reference, 'Dear Priya Parent,']) expect(body.content).toContain(escapeHtml(part));
    expect(body.content).not.toContain('Zebedee');
    expect(body.content).not.toContain('Detentions given');
    expect(await this.drain(), 'a second drain mails nothing').toEqual([]);
    return { subject: String(message.subject), html: body.content };
  }

  /** A step that queues no letter mails nothing. */
  async mailsNothing(): Promise<void> {
    expect(await this.drain()).toEqual([]);
  }

  async acknowledge(on: string, stage: number): Promise<Mail> {
    this.at(on);
    await acknowledge(this.deps, ACTOR, { caseId: this.caseId });
    return this.mailed(`:letter:acknowledgement:${stage}`, `Your complaint ${this.reference}: acknowledgement`);
  }

  async outcome(on: string, stage: number, outcome: string, opts: { panel?: boolean } = {}): Promise<Mail> {
    this.at(on);
    await recordOutcome(this.deps, ACTOR, {
      caseId: this.caseId,
      outcome: outcome as 'upheld',
      decision: 'We looked into this carefully and spoke to the staff concerned.',
    });
    return this.mailed(`:letter:outcome:${stage}`, `Your complaint ${this.reference}: ${opts.panel ? "the panel's decision" : `outcome at Stage ${stage}`}`);
  }

  async escalate(on: string): Promise<void> {
    this.at(on);
    await requestEscalation(this.deps, ACTOR, { caseId: this.caseId });
    await this.mailsNothing();
  }

  async hearing(on: string, stage: number, hearingOn: string, hearingText: string): Promise<Mail> {
    this.at(on);
    await scheduleHearing(this.deps, ACTOR, { caseId: this.caseId, hearingOn });
    const mail = await this.mailed(`:letter:hearing_invitation:${stage}:${hearingOn}`, `Your complaint ${this.reference}: panel hearing on ${hearingText}`);
    // The booking request for this date went to the messenger for the calendar, not to the complainant.
    expect(
      this.messages.delivered.filter((m) => m.kind === 'calendar' && m.caseId === this.caseId && m.data.hearingOn === hearingOn).map((m) => m.template),
    ).toEqual(['hearing_booking']);
    return mail;
  }

  /** Cancels the hearing (booking `booking` of the stage); the complainant is written to once. */
  async cancel(on: string, stage: number, booking: number, hearingText: string, reason: string): Promise<Mail> {
    this.at(on);
    await cancelHearing(this.deps, ACTOR, { caseId: this.caseId, reason });
    return this.mailed(`:letter:hearing_cancelled:${stage}:${booking}`, `Your complaint ${this.reference}: the panel hearing on ${hearingText} is cancelled`);
  }

  async held(on: string): Promise<void> {
    this.at(on);
    await recordHearingHeld(this.deps, ACTOR, { caseId: this.caseId });
    await this.mailsNothing();
  }
}

/** The letter's HTML says this (escaped as the HTML has it). */
const says = (mail: Mail, text: string) => expect(mail.html).toContain(escapeHtml(text));

/** Runs a walk on its own database and closes it. */
async function walk(policyId: string, body: (w: Walk) => Promise<void>, letterReviewMs = 0): Promise<void> {
  const w = await new Walk(policyId, letterReviewMs).open();
  try {
    await body(w);
  } finally {
    await w.close();
  }
}

describe('every letter of every seed policy is mailed once and recorded as sent', () => {
  it('NMAT: four stages in school days, a panel hearing at Stage 4', async () => {
    await walk('nmat', async (w) => {
      // Stage 1 received Tue 3 Nov; respond within 7 school days: Thu 12 Nov. No escalation window (write to the Head of School).
      await w.start('2026-11-03');
      let l = await w.acknowledge('2026-11-04', 1);
      says(l, 'We aim to send you a written response by Thursday 12 November 2026.');
      l = await w.outcome('2026-11-10', 1, 'not_upheld');
      says(l, 'please write to the Head of School at Nunthorpe Academy, saying why you remain dissatisfied');
      says(l, 'The procedure sets no time limit');
      // Stage 2 requested Wed 11 Nov; respond within 10 school days: Wed 25 Nov.
      await w.escalate('2026-11-11');
      l = await w.acknowledge('2026-11-12', 2);
      says(l, 'handled by the Head of School.');
      says(l, 'by Wednesday 25 November 2026.');
      l = await w.outcome('2026-11-23', 2, 'not_upheld');
      says(l, 'please write to the Executive Principal at Nunthorpe Academy, saying why');
      // Stage 3 requested Tue 24 Nov; respond by Tue 8 Dec. Outcome Fri 4 Dec; escalation window 5 school days (§14): Fri 11 Dec.
      await w.escalate('2026-11-24');
      l = await w.acknowledge('2026-11-25', 3);
      says(l, 'by Tuesday 8 December 2026.');
      l = await w.outcome('2026-12-04', 3, 'partially_upheld');
      says(
        l,
        'please write to the Governance Professional and Compliance Lead at Nunthorpe Academy within five school days of receiving this letter, by Friday 11 December 2026,',
      );
      // Stage 4 requested Mon 7 Dec; hearing within 15 school days: Wed 13 Jan 2027.
      await w.escalate('2026-12-07');
      l = await w.acknowledge('2026-12-08', 4);
      says(l, 'We aim to hold the hearing by Wednesday 13 January 2027');
      // Hearing Tue 12 Jan 2027: papers 7 school days before (Wed 16 Dec), decision 10 school days after (Tue 26 Jan).
      l = await w.hearing('2026-12-08', 4, '2027-01-12', 'Tuesday 12 January 2027');
      says(l, 'send it to the Governance Professional and Compliance Lead by Wednesday 16 December 2026.');
      says(l, 'within ten school days of the hearing, by Tuesday 26 January 2027.');
      await w.held('2027-01-12');
      l = await w.outcome('2027-01-14', 4, 'dismissed', { panel: true });
      says(l, 'Following the hearing on Tuesday 12 January 2027, we are writing to tell you the decision of the panel');
      says(l, 'Stage 4 is the final stage of the NMAT Complaints Policy and Procedure (Statutory)');
      says(l, 'you can contact the Department for Education (formerly the ESFA) after Stage Four');
      expect((await w.record()).state.status).toBe('closed');
    });
  });

  it('MIET: three stages in working days, a panel of three at Stage 3', async () => {
    await walk('miet', async (w) => {
      // Respond within 10 working days: Tue 17 Nov; Stages 1 and 2 within 28 working days: Fri 11 Dec.
      await w.start('2026-11-03');
      let l = await w.acknowledge('2026-11-04', 1);
      says(l, 'by Tuesday 17 November 2026.');
      says(l, 'We aim to complete Stages 1 to 2 of the procedure by Friday 11 December 2026.');
      l = await w.outcome('2026-11-10', 1, 'not_upheld');
      says(l, 'please write to the Head Teacher at Manchester Islamic Grammar School for Girls, saying why');
      await w.escalate('2026-11-11');
      l = await w.acknowledge('2026-11-12', 2);
      says(l, 'by Wednesday 25 November 2026.');
      // Outcome Mon 23 Nov; five working days to write to the Trust office: Mon 30 Nov.
      l = await w.outcome('2026-11-23', 2, 'not_upheld');
      says(
        l,
        'please write to the Trust office at Manchester Islamic Grammar School for Girls within five working days of receiving this letter, by Monday 30 November 2026,',
      );
      // Stage 3 requested Tue 24 Nov; hearing within 14 working days: Mon 14 Dec.
      await w.escalate('2026-11-24');
      l = await w.acknowledge('2026-11-25', 3);
      says(l, 'We aim to hold the hearing by Monday 14 December 2026');
      // Hearing Thu 10 Dec: papers 3 working days before (Mon 7 Dec), decision 7 working days after (Mon 21 Dec).
      l = await w.hearing('2026-11-25', 3, '2026-12-10', 'Thursday 10 December 2026');
      says(l, 'send it to the Trust office by Monday 7 December 2026.');
      says(l, 'by Monday 21 December 2026.');
      // Cancelled Thu 26 Nov: the complainant is told, with the date the 14 working days still allow (Mon 14 Dec).
      l = await w.cancel('2026-11-26', 3, 1, 'Thursday 10 December 2026', 'The chair of the panel is ill.');
      says(l, 'The panel hearing arranged for Thursday 10 December 2026 will not go ahead.');
      says(l, 'The chair of the panel is ill.');
      says(l, 'We will write to you with a new date for the hearing. Under the MIET Complaints Policy, the hearing should be held by Monday 14 December 2026.');
      // Set again for Fri 11 Dec: a new invitation (not a move); papers Tue 8 Dec, decision 7 working days after: Tue 22 Dec.
      l = await w.hearing('2026-11-27', 3, '2026-12-11', 'Friday 11 December 2026');
      expect(l.html).not.toContain('has moved');
      says(l, 'send it to the Trust office by Tuesday 8 December 2026.');
      says(l, 'by Tuesday 22 December 2026.');
      await w.held('2026-12-11');
      l = await w.outcome('2026-12-14', 3, 'upheld', { panel: true });
      says(l, 'Following the hearing on Friday 11 December 2026');
      says(l, 'The panel has decided that your complaint is upheld.');
      says(
        l,
        'The decision of the Panel is final. If you believe the school did not follow its published procedure you may contact the Department for Education',
      );
    });
  });

  it('MIAG: three stages, a panel of at least two at Stage 3', async () => {
    await walk('miag', async (w) => {
      await w.start('2026-11-03');
      let l = await w.acknowledge('2026-11-03', 1);
      says(l, 'handled by the member of staff.');
      l = await w.outcome('2026-11-05', 1, 'not_upheld');
      says(l, 'please write to the Senior Leadership Team at MIAG Alternative Provision, saying why');
      await w.escalate('2026-11-06');
      l = await w.acknowledge('2026-11-06', 2);
      says(l, 'handled by the Senior Leadership Team.');
      l = await w.outcome('2026-11-09', 2, 'not_upheld');
      says(l, 'please write to the Head of ALP at MIAG Alternative Provision, saying why'); // Action Stages 6
      // Stage 3 requested Tue 10 Nov; the panel decides within 4 weeks: Tue 8 Dec.
      await w.escalate('2026-11-10');
      l = await w.acknowledge('2026-11-10', 3);
      says(l, 'The panel aims to send you its decision by Tuesday 8 December 2026.');
      l = await w.hearing('2026-11-12', 3, '2026-11-26', 'Thursday 26 November 2026');
      says(l, 'The panel aims to send you its decision by Tuesday 8 December 2026.');
      await w.held('2026-11-26');
      l = await w.outcome('2026-11-27', 3, 'dismissed', { panel: true });
      says(l, 'Following the hearing on Thursday 26 November 2026');
      says(l, "The panel's findings and recommendations are final");
    });
  });

  it('SIL: two stages in weeks', async () => {
    await walk('sil', async (w) => {
      // A definitive reply within four weeks: received Tue 3 Nov, by Tue 1 Dec.
      await w.start('2026-11-03');
      let l = await w.acknowledge('2026-11-05', 1);
      says(l, 'handled by the SIL Project Lead.');
      says(l, 'by Tuesday 1 December 2026.');
      l = await w.outcome('2026-11-17', 1, 'not_upheld');
      says(l, 'please write to the SIL Board member at School Improvement Leicester, saying why');
      // Stage 2 requested Wed 18 Nov; four weeks: Wed 16 Dec.
      await w.escalate('2026-11-18');
      l = await w.acknowledge('2026-11-19', 2);
      says(l, 'by Wednesday 16 December 2026.');
      l = await w.outcome('2026-12-07', 2, 'not_upheld');
      says(l, 'Stage 2 is the final stage of the SIL Complaints Procedure');
      says(l, 'The decision taken at Stage Two is final.');
    });
  });

  it('KPSSPP: a subgroup, then an external investigator when it cannot decide (Scotland)', async () => {
    await walk('kpsspp', async (w) => {
      // Stage One within 2 weeks: received Tue 3 Nov, by Tue 17 Nov.
      await w.start('2026-11-03');
      let l = await w.acknowledge('2026-11-04', 1);
      says(l, 'by Tuesday 17 November 2026.');
      // Undecided Mon 16 Nov: the procedure moves on by itself; Stage Two within 4 weeks: Mon 14 Dec.
      l = await w.outcome('2026-11-16', 1, 'undecided');
      says(
        l,
        'your complaint now moves on to Stage Two: external investigation. You do not need to do anything: it will be considered by the external third-party investigator. We aim to send you a response by Monday 14 December 2026.',
      );
      l = await w.acknowledge('2026-11-17', 2);
      says(l, 'handled by the external third-party investigator.');
      l = await w.outcome('2026-12-11', 2, 'upheld');
      says(l, 'Stage 2 is the final stage of the KPSSPP Complaints policy and procedure');
      says(l, 'Scottish Public Services Ombudsman (SPSO)');
    });
  });

  it('KPSSPP: a Stage One outcome other than undecided ends the complaint, with the Scottish route', async () => {
    await walk('kpsspp', async (w) => {
      await w.start('2026-11-03');
      const l = await w.outcome('2026-11-16', 1, 'not_upheld');
      says(l, 'so this concludes the complaints procedure');
      says(l, 'Glasgow City Council Education Services');
    });
  });

  it('a withdrawal is confirmed to the complainant by letter, once', async () => {
    await walk('nmat', async (w) => {
      await w.start('2026-11-03');
      await w.acknowledge('2026-11-04', 1);
      w.at('2026-11-11');
      await withdraw(w.deps, ACTOR, { caseId: w.caseId, reason: 'Spoke to the form tutor; happy now', confirmedInWriting: true });
      const l = await w.mailed(':letter:withdrawal', `Your complaint ${w.reference}: withdrawal confirmed`);
      says(l, `We confirm that you withdrew your complaint (reference ${w.reference}) on Wednesday 11 November 2026`);
      // NMAT Privacy Notice: kept six years from closure.
      says(l, 'We will keep the record of your complaint until Thursday 11 November 2032');
    });
  });
});

describe('letters held for the handler to read first (LETTER_REVIEW_MINUTES=10)', () => {
  it('nothing is mailed before its time; "send now" with edited text mails the edited letter, once; an unread letter goes when its time is up', async () => {
    await walk(
      'nmat',
      async (w) => {
        await w.start('2026-11-03');
        w.at('2026-11-04');
        await acknowledge(w.deps, ACTOR, { caseId: w.caseId });
        const key = `${w.caseId}:letter:acknowledgement:1`;
        expect(await w.drain()).toEqual([]);
        // The preview card's message went to the person who acknowledged it.
        expect(w.messages.delivered.filter((m) => m.template === 'letter_review').map((m) => [m.to, m.data.letterKey])).toEqual([[ACTOR, key]]);
        w.at('2026-11-04', '10:04:59');
        expect(await w.drain()).toEqual([]);

        w.at('2026-11-04', '10:05:00');
        const p = await previewLetter(w.deps, ACTOR, { caseId: w.caseId, key });
        const text = p.text.replace('Dear Priya Parent,', 'Dear Priya Parent,\n\nThank you for speaking to me on the phone this morning & for your patience.');
        await sendLetter(w.deps, ACTOR, { caseId: w.caseId, key, text });
        const l = await w.mailed(':letter:acknowledgement:1', `Your complaint ${w.reference}: acknowledgement`);
        expect(l.html).toContain('<p>Dear Priya Parent,</p><p>Thank you for speaking to me on the phone this morning &amp; for your patience.</p>');
        says(l, 'We aim to send you a written response by Thursday 12 November 2026.');
        const record = await w.record();
        expect(record.events.at(-1)).toMatchObject({ type: 'letter_approved', by: ACTOR, details: { key, edited: true } });
        w.at('2026-11-04', '10:30:00');
        expect(await w.drain()).toEqual([]);

        // The outcome letter nobody opens goes by itself ten minutes after it was queued, as written.
        w.at('2026-11-10');
        await recordOutcome(w.deps, ACTOR, {
          caseId: w.caseId,
          outcome: 'not_upheld',
          decision: 'We looked into this carefully and spoke to the staff concerned.',
        });
        expect(await w.drain()).toEqual([]);
        w.at('2026-11-10', '10:10:00');
        const o = await w.mailed(':letter:outcome:1', `Your complaint ${w.reference}: outcome at Stage 1`);
        says(o, 'please write to the Head of School at Nunthorpe Academy, saying why you remain dissatisfied');
      },
      10 * 60_000,
    );
  });
});
