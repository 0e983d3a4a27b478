/**
 * Letters to the complainant, rendered from the policy and the case's dates. Pure: no I/O and
 * no clock; the caller passes everything the letter says. Each letter is built once as a list
 * of blocks and written out twice (HTML and plain text), so the two always say the same thing
 * and every piece of text is escaped in one place.
 *
 * A letter names roles, never people (other than the complainant), and says no more about the
 * complaint than it must: the stage, the dates, the outcome and the decision text.
 */
import type { DeadlineKind, Outcome, Policy, Stage } from '../domain/policy.js';
import { handlerFor, ownerFor } from '../domain/policy.js';

export const LETTER_KINDS = [
  'acknowledgement',
  'outcome',
  'panel_invitation',
  'hearing_cancelled',
  'panel_decision',
  'extension',
  'timescale',
  'pause',
  'withdrawal_confirmation',
] as const;
export type LetterKind = (typeof LETTER_KINDS)[number];

export interface LetterDeadline {
  stage: number;
  kind: DeadlineKind;
  /** YYYY-MM-DD, or an ISO instant for clocks in hours. */
  due: string;
  owner?: string;
  /** Set when the deadline was already met (a timescale letter lists only the open ones). */
  metOn?: string | null;
}

export interface LetterData {
  schoolName: string;
  complainantName: string;
  reference: string;
  policy: Policy;
  /** The stage the letter is about (for an outcome: the stage decided). */
  stage: number;
  /** Role id the complaint is about, for the policy's routing only; never printed. */
  aboutRole?: string;
  /** The letter's date (YYYY-MM-DD), printed at the top when given. */
  date?: string;
  /** The date the stage's complaint or request was received. */
  stageReceivedOn?: string;
  /** The case's deadlines (from the case state). */
  deadlines: LetterDeadline[];
  outcome?: Outcome;
  /** The decision and the reasons, as the complainant will read them. */
  decision?: string;
  /** Whether the case is closed after this outcome; worked out from the policy when not given. */
  closed?: boolean;
  /** The hearing's date, or its start (an ISO instant) when it was booked at a time. */
  hearingOn?: string;
  /** The end of a hearing booked at a time (an ISO instant). */
  hearingEnd?: string;
  /** Where a hearing booked at a time is held. */
  venue?: string;
  /** Whether a hearing booked at a time is (also) a Microsoft Teams meeting; absent for a date-only hearing. */
  online?: boolean;
  /**
   * Whether the complainant is sent the Outlook invitation to the hearing (they get email:
   * src/app/complainant.ts), which carries the link to join a Teams meeting.
   */
  calendarInvitation?: boolean;
  /** The date (or start) the hearing had before it moved. */
  previousHearingOn?: string;
  /** Why a hearing moved or a deadline was extended (the complainant is told). */
  reason?: string;
  extension?: { kind: DeadlineKind; previousDue: string; newDue: string };
  pausedOn?: string;
  resumedOn?: string;
  withdrawnOn?: string;
  retainUntil?: string;
}

export interface RenderedLetter {
  subject: string;
  html: string;
  text: string;
}

type Block = { p: string } | { list: string[] } | { quote: string } | { sign: string[] };

// ---------------------------------------------------------------------------------------------
// Wording helpers

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const NUMBERS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];

/** "2026-11-10" → "Tuesday 10 November 2026"; an instant → "Tuesday 10 November 2026 at 14:30" in the school's time zone. */
export function formatLetterDate(value: string, timezone = 'Europe/London'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${formatLetterDate(`${parts.year}-${parts.month!.padStart(2, '0')}-${parts.day!.padStart(2, '0')}`)} at ${parts.hour}:${parts.minute}`;
}

/**
 * A hearing's date and time as a letter gives them: "Thursday 10 December 2026, from 12:00 to
 * 14:00" when the end is known, else as formatLetterDate ("Tuesday 12 January 2027" for a date).
 */
export function formatHearingTime(start: string, end: string | undefined, timezone = 'Europe/London'): string {
  const from = formatLetterDate(start, timezone);
  const at = from.lastIndexOf(' at ');
  if (!end || at < 0) return from;
  const until = formatLetterDate(end, timezone);
  // Same day (a hearing is held within school hours): "from HH:MM to HH:MM".
  return until.startsWith(from.slice(0, at)) ? `${from.slice(0, at)}, from ${from.slice(at + 4)} to ${until.slice(at + 4)}` : `${from} to ${until}`;
}

const UNIT_WORDS: Record<string, [string, string]> = {
  school_days: ['school day', 'school days'],
  working_days: ['working day', 'working days'],
  days: ['day', 'days'],
  weeks: ['week', 'weeks'],
  hours: ['hour', 'hours'],
};

/** 5, school_days → "five school days". */
export function amountText(amount: number, unit: string): string {
  const [one, many] = UNIT_WORDS[unit] ?? [unit, unit];
  return `${NUMBERS[amount] ?? String(amount)} ${amount === 1 ? one : many}`;
}

/** A role's label for prose: "the Governance Professional and Compliance Lead", "the class teacher". */
export function roleText(policy: Policy, roleId: string): string {
  const label = (policy.roles.find((r) => r.id === roleId)?.label ?? roleId.replace(/_/g, ' ')).replace(/\s*\([^)]*\)\s*$/, '').trim();
  if (/^the /i.test(label)) return `the ${label.slice(4)}`;
  const [first = '', ...rest] = label.split(' ');
  // "Class teacher" → "class teacher"; "Head of School", "KPSSPP member" and "Governor" stay as titles.
  const common = rest.length > 0 && rest.every((w) => !/^[A-Z]/.test(w)) && first !== first.toUpperCase() && !PROPER.has(first);
  return `the ${common ? label[0]!.toLowerCase() + label.slice(1) : label}`;
}

/** First words that stay capitalised in a common-noun label ("the Trust office"). */
const PROPER = new Set(['Trust', 'Board', 'Academy', 'School', 'Council']);

const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);

const OUTCOME_TEXT: Record<Outcome, string> = {
  upheld: 'upheld',
  partially_upheld: 'partially upheld',
  not_upheld: 'not upheld',
  dismissed: 'dismissed',
  undecided: 'undecided',
  resolved: 'resolved',
};

function stageOf(policy: Policy, n: number): Stage {
  const s = policy.stages[n - 1];
  if (!s) throw new Error(`the ${policy.id} policy has no stage ${n}`);
  return s;
}

function stageTitle(stage: Stage): string {
  return /^stage\b/i.test(stage.name) ? stage.name : `Stage ${stage.number} (${stage.name})`;
}

function due(data: LetterData, stage: number, kind: DeadlineKind): string | undefined {
  const d = data.deadlines.find((x) => x.stage === stage && x.kind === kind);
  return d ? formatLetterDate(d.due, data.policy.defaults.timezone) : undefined;
}

/** Who the complainant deals with at a stage: its handler, or for a panel the role that convenes it. */
function contactRole(policy: Policy, stage: Stage, about: string | undefined): string {
  const handler = handlerFor(stage, about);
  if (!stage.panel) return handler;
  for (const kind of ['acknowledge', 'hearing', 'hearing_notice', 'panel_papers'] as const) {
    const clock = stage.clocks.find((c) => c.kind === kind);
    if (!clock) continue;
    const owner = ownerFor(stage, clock, about);
    if (owner !== handler && owner !== 'complainant') return owner;
  }
  return PANEL_CONVENERS[policy.id]?.[stage.number] ?? handler;
}

/** Panels whose convener the policy names in its text but not on any clock. */
const PANEL_CONVENERS: Record<string, Record<number, string>> = {
  miag: { 3: 'head_of_alp' }, // Action Stages 6: "a Complaints Panel set up by Head of ALP"
};

function panelMakeup(policy: Policy, stage: Stage): string | undefined {
  const p = stage.panel;
  if (!p) return undefined;
  const count = p.maxMembers === p.minMembers ? (NUMBERS[p.minMembers] ?? String(p.minMembers)) : `at least ${NUMBERS[p.minMembers] ?? p.minMembers}`;
  const independent =
    p.independentMembers > 0
      ? `, ${p.independentMembers === 1 ? 'one' : NUMBERS[p.independentMembers]} of whom ${p.independentMembers === 1 ? 'is' : 'are'} independent of the management and running of ${policy.organisation}`
      : '';
  const how = p.selection === 'random' ? ' picked at random' : '';
  return `${count} people${how} who were not involved in the matters raised in your complaint${independent}`;
}

/** When the complainant can expect the stage's answer. */
function expectation(data: LetterData, stage: Stage): string | undefined {
  const respond = due(data, stage.number, 'respond');
  if (respond) return `We aim to send you a written response by ${respond}.`;
  const hearing = due(data, stage.number, 'hearing');
  const decisionClock = stage.clocks.find((c) => c.kind === 'panel_decision');
  const decision = decisionClock?.from === 'stage_received' ? due(data, stage.number, 'panel_decision') : undefined;
  if (hearing) {
    const after =
      decisionClock?.from === 'hearing'
        ? ` The panel will write to you with its decision and the reasons for it within ${amountText(decisionClock.amount, decisionClock.unit)} of the hearing.`
        : '';
    return `We aim to hold the hearing by ${hearing}, and will write to you with the date and arrangements.${after}`;
  }
  if (decision) return `The panel aims to send you its decision by ${decision}.`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The next step after an outcome

function nextStep(data: LetterData, stage: Stage): Block[] {
  const { policy } = data;
  const next = policy.stages[stage.number];
  const outcome = data.outcome;
  if (next && outcome && stage.escalatesOn.includes(outcome)) {
    const respond = due(data, next.number, 'respond');
    return [
      {
        p: `Under the procedure, your complaint now moves on to ${stageTitle(next)}. You do not need to do anything: it will be considered by ${roleText(policy, contactRole(policy, next, data.aboutRole))}.${respond ? ` We aim to send you a response by ${respond}.` : ''}`,
      },
    ];
  }
  const closed = data.closed ?? (!next || outcome === 'resolved' || !stage.complainantMayEscalate);
  if (!closed && next) {
    const contact = roleText(policy, contactRole(policy, next, data.aboutRole));
    const window = stage.clocks.find((c) => c.kind === 'escalation_window');
    const by = due(data, stage.number, 'escalation_window');
    let when: string;
    if (window && by) when = ` within ${amountText(window.amount, window.unit)} of receiving this letter, by ${by}`;
    else if (window) when = ` within ${amountText(window.amount, window.unit)} of receiving this letter`;
    else when = '';
    const blocks: Block[] = [
      {
        p: `If you are not satisfied with this outcome, you may ask for your complaint to be considered at ${stageTitle(next)}. To do so, please write to ${contact} at ${data.schoolName}${when}, saying why you remain dissatisfied and quoting the reference ${data.reference}.`,
      },
    ];
    if (!window) blocks.push({ p: 'The procedure sets no time limit for this, but we would ask you to write as soon as you can.' });
    if (next.panel?.hearing) blocks.push({ p: `${stageTitle(next)} is a hearing before a panel of ${panelMakeup(policy, next)!}.` });
    return blocks;
  }
  if (outcome === 'resolved' && next) {
    return [{ p: `As your complaint has been resolved, we have now closed it. Thank you for raising it with us.` }];
  }
  const blocks: Block[] = [];
  if (next && !stage.complainantMayEscalate && stage.escalatesOn.length) {
    blocks.push({
      p: `Under the procedure, a complaint goes on to ${stageTitle(next)} only when the outcome at this stage is ${stage.escalatesOn.map((o) => OUTCOME_TEXT[o]).join(' or ')}, so this concludes the complaints procedure for your complaint.`,
    });
  } else if (next) {
    blocks.push({ p: 'This concludes the complaints procedure for your complaint.' });
  } else {
    blocks.push({ p: `Stage ${stage.number} is the final stage of the ${policy.name}, so this concludes the complaints procedure for your complaint.` });
  }
  if (policy.nextSteps) blocks.push({ p: `Where to go next: ${policy.nextSteps}` });
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// The letters

function opening(data: LetterData): Block[] {
  return [{ p: `Dear ${data.complainantName},` }];
}

function signOff(data: LetterData, role: string): Block {
  return { sign: ['Yours sincerely,', capital(roleText(data.policy, role).replace(/^the /, '')), data.schoolName] };
}

function acknowledgement(data: LetterData): [string, Block[]] {
  const { policy } = data;
  const stage = stageOf(policy, data.stage);
  const contact = contactRole(policy, stage, data.aboutRole);
  const ack = stage.clocks.find((c) => c.kind === 'acknowledge');
  const signer = ack ? ownerFor(stage, ack, data.aboutRole) : contact;
  const on = data.stageReceivedOn ? formatLetterDate(data.stageReceivedOn, policy.defaults.timezone) : undefined;
  const previous = policy.stages[stage.number - 2];
  // A stage the procedure moves to by itself (KPSSPP Stage Two) was not requested by the complainant.
  const first = !previous
    ? `Thank you for your complaint${on ? `, which we received on ${on}` : ''}. We are considering it at ${stageTitle(stage)} of the ${policy.name}.`
    : previous.complainantMayEscalate
      ? `Thank you for your request${on ? `, which we received on ${on}` : ''}. We are considering it at ${stageTitle(stage)} of the ${policy.name}.`
      : `Your complaint moved to ${stageTitle(stage)} of the ${policy.name}${on ? ` on ${on}` : ''}.`;
  const blocks: Block[] = [...opening(data), { p: `${first} Your reference is ${data.reference}; please quote it whenever you write to us.` }];
  if (stage.panel) {
    const makeup = panelMakeup(policy, stage);
    blocks.push({
      p: `Your complaint will be considered by a ${stage.panel.hearing ? 'complaints panel' : 'group'} of ${makeup!}. ${capital(roleText(policy, contact))} is arranging this and is your point of contact.`,
    });
  } else {
    blocks.push({ p: `Your complaint is being handled by ${roleText(policy, contact)}.` });
  }
  const expect = expectation(data, stage);
  if (expect) blocks.push({ p: expect });
  for (const t of policy.targets) {
    if (t.fromStage > stage.number || t.throughStage < stage.number) continue;
    const by = data.deadlines.find((d) => d.kind === 'stages_target');
    if (by)
      blocks.push({
        p: `We aim to complete Stages ${t.fromStage} to ${t.throughStage} of the procedure by ${formatLetterDate(by.due, policy.defaults.timezone)}.`,
      });
  }
  blocks.push({ p: 'If anything changes, or we need more time, we will write to you and explain why.' }, signOff(data, signer));
  return [`Your complaint ${data.reference}: acknowledgement`, blocks];
}

function outcomeLetter(data: LetterData, panel: boolean): [string, Block[]] {
  const { policy } = data;
  const stage = stageOf(policy, data.stage);
  if (!data.outcome) throw new Error('an outcome letter needs the outcome');
  const decider = panel || stage.panel?.hearing ? 'the panel' : roleText(policy, handlerFor(stage, data.aboutRole));
  const blocks: Block[] = [...opening(data)];
  const heard = panel && data.hearingOn ? `Following the hearing on ${formatLetterDate(data.hearingOn, policy.defaults.timezone)}, ` : '';
  const intro = heard ? `${heard}we are writing to tell you the decision of the panel` : `We are writing to tell you the outcome of your complaint`;
  blocks.push({ p: `${intro} (reference ${data.reference}) at ${stageTitle(stage)} of the ${policy.name}.` });
  if (data.outcome === 'undecided') blocks.push({ p: `${capital(decider)} was unable to reach a decision on your complaint.` });
  else if (data.outcome === 'resolved') blocks.push({ p: 'Your complaint has been resolved.' });
  else blocks.push({ p: `${capital(decider)} has decided that your complaint is ${OUTCOME_TEXT[data.outcome]}.` });
  if (data.decision) blocks.push({ p: 'The decision and the reasons for it:' }, { quote: data.decision });
  blocks.push(...nextStep(data, stage));
  const signer = panel || stage.panel ? contactRole(policy, stage, data.aboutRole) : handlerFor(stage, data.aboutRole);
  blocks.push(signOff(data, signer));
  return [`Your complaint ${data.reference}: ${panel ? "the panel's decision" : `outcome at Stage ${stage.number}`}`, blocks];
}

function panelInvitation(data: LetterData): [string, Block[]] {
  const { policy } = data;
  const stage = stageOf(policy, data.stage);
  const tz = policy.defaults.timezone;
  if (!data.hearingOn) throw new Error('a panel invitation needs the hearing date');
  const contact = roleText(policy, contactRole(policy, stage, data.aboutRole));
  const on = formatLetterDate(data.hearingOn, tz);
  const when = formatHearingTime(data.hearingOn, data.hearingEnd, tz);
  const blocks: Block[] = [
    ...opening(data),
    { p: `The complaints panel will hear your complaint (reference ${data.reference}) at ${stageTitle(stage)} on ${when}. You are invited to attend.` },
  ];
  if (data.previousHearingOn) {
    // A re-booking at the same time changed where it is held (or whether it is online).
    const change =
      data.previousHearingOn === data.hearingOn
        ? 'The hearing stays at the same time, but where it is held has changed.'
        : `The hearing has moved from ${formatLetterDate(data.previousHearingOn, tz)} to ${on}.`;
    blocks.push({ p: `${change}${data.reason ? ' The reason for the change:' : ' We apologise for the change.'}` });
    if (data.reason) blocks.push({ quote: data.reason });
  }
  const where = whereText(data, contact);
  if (where) blocks.push({ p: where });
  const makeup = panelMakeup(policy, stage);
  if (makeup) blocks.push({ p: `The panel will be made up of ${makeup}.` });
  const papers = due(data, stage.number, 'panel_papers');
  const companion = due(data, stage.number, 'companion_notice');
  const items: string[] = [];
  if (papers) items.push(`If you wish the panel to see any further written material, please send it to ${contact} by ${papers}.`);
  if (stage.panel?.complainantMayBringCompanion) {
    items.push(
      companion
        ? `You may bring someone with you to support you. If you wish to, please tell ${contact} in writing by ${companion}.`
        : `You may bring someone with you to support you; please tell ${contact} beforehand who it will be.`,
    );
  }
  const pd = stage.panel?.proposedDates;
  if (pd) {
    items.push(
      `Please tell ${contact} within ${amountText(pd.answerWithin, pd.unit)} whether you can attend on this date. If we hear nothing in that time, we will take it that the date does not suit you and propose another. If ${NUMBERS[pd.rejectionsBeforeProceeding] ?? pd.rejectionsBeforeProceeding} proposed dates are turned down without good reason, the hearing may go ahead in your absence.`,
    );
  }
  if (items.length) blocks.push({ list: items });
  const decisionClock = stage.clocks.find((c) => c.kind === 'panel_decision');
  const decision = due(data, stage.number, 'panel_decision');
  if (decisionClock?.from === 'hearing' && decision)
    blocks.push({
      p: `The panel will write to you with its decision and the reasons for it within ${amountText(decisionClock.amount, decisionClock.unit)} of the hearing, by ${decision}.`,
    });
  else if (decision) blocks.push({ p: `The panel aims to send you its decision by ${decision}.` });
  blocks.push({ p: `If you have any questions about the hearing, please contact ${contact}.` }, signOff(data, contactRole(policy, stage, data.aboutRole)));
  return [`Your complaint ${data.reference}: panel hearing on ${on}`, blocks];
}

/** Where the hearing is held and how to join it online; a date-only hearing's arrangements follow. */
function whereText(data: LetterData, contact: string): string {
  if (data.online === undefined) return 'We will send you the time and the venue, or the link to join online, in a separate invitation.';
  const venue = data.venue ? `The hearing will be held at ${data.venue}.` : '';
  if (!data.online) return venue;
  const teams = data.venue
    ? `${venue} You may also join it online, as a Microsoft Teams meeting`
    : 'The hearing will be held online, as a Microsoft Teams meeting';
  // Only someone who gets email is sent the Outlook invitation with the link (src/app/complainant.ts).
  return data.calendarInvitation
    ? `${teams}: the link to join is in the calendar invitation we have sent to your email address.`
    : `${teams}. We will tell you how to join before the hearing; if you have not heard from us, please contact ${contact}.`;
}

/** The stage's hearing was called off: when it was to be, why, and what happens next. */
function hearingCancelled(data: LetterData): [string, Block[]] {
  const { policy } = data;
  const stage = stageOf(policy, data.stage);
  const tz = policy.defaults.timezone;
  if (!data.hearingOn) throw new Error('a hearing cancellation letter needs the date of the hearing');
  const contactId = contactRole(policy, stage, data.aboutRole);
  const contact = roleText(policy, contactId);
  const on = formatLetterDate(data.hearingOn, tz);
  const blocks: Block[] = [
    ...opening(data),
    { p: `We are writing about your complaint (reference ${data.reference}) at ${stageTitle(stage)}. The panel hearing arranged for ${on} will not go ahead.` },
  ];
  if (data.reason) blocks.push({ p: 'The reason:' }, { quote: data.reason });
  if (data.calendarInvitation) blocks.push({ p: 'The calendar invitation we sent to your email address has been cancelled too.' });
  // While the policy's date is still ahead, say by when it expects the hearing (MIAG sets none: by when the panel decides).
  const ahead = (kind: DeadlineKind) => {
    const d = data.deadlines.find((x) => x.stage === stage.number && x.kind === kind && !x.metOn);
    return d && (!data.date || d.due.slice(0, 10) >= data.date) ? formatLetterDate(d.due, tz) : undefined;
  };
  const hearingBy = ahead('hearing');
  const decisionBy = stage.clocks.find((c) => c.kind === 'panel_decision')?.from === 'stage_received' ? ahead('panel_decision') : undefined;
  const by = hearingBy
    ? ` Under the ${policy.name}, the hearing should be held by ${hearingBy}.`
    : decisionBy
      ? ` The panel still aims to send you its decision by ${decisionBy}.`
      : '';
  blocks.push(
    { p: `We are sorry for the inconvenience. We will write to you with a new date for the hearing.${by}` },
    { p: `If you have any questions, please contact ${contact}.` },
    signOff(data, contactId),
  );
  return [`Your complaint ${data.reference}: the panel hearing on ${on} is cancelled`, blocks];
}

const DUTY_TEXT: Partial<Record<DeadlineKind, string>> = {
  acknowledge: 'acknowledge your complaint',
  respond: 'send you our response',
  hearing: 'hold the panel hearing',
  hearing_notice: 'confirm the arrangements for the hearing',
  panel_papers: 'share the papers for the hearing',
  panel_decision: "send you the panel's decision",
};
const COMPLAINANT_TEXT: Partial<Record<DeadlineKind, string>> = {
  escalation_window: 'ask for your complaint to go to the next stage',
  companion_notice: 'tell us whether you will bring someone with you to the hearing',
};

function extension(data: LetterData): [string, Block[]] {
  const { policy } = data;
  const stage = stageOf(policy, data.stage);
  const tz = policy.defaults.timezone;
  const x = data.extension;
  if (!x) throw new Error('an extension letter needs the extended deadline');
  const blocks: Block[] = [...opening(data)];
  const theirs = COMPLAINANT_TEXT[x.kind];
  if (theirs) {
    blocks.push({
      p: `We are writing about your complaint (reference ${data.reference}) at ${stageTitle(stage)}. We have extended the time you have to ${theirs}: you now have until ${formatLetterDate(x.newDue, tz)}, instead of ${formatLetterDate(x.previousDue, tz)}.`,
    });
  } else {
    const duty = DUTY_TEXT[x.kind] ?? 'complete the next step';
    blocks.push({
      p: `We are writing about your complaint (reference ${data.reference}) at ${stageTitle(stage)}. We had aimed to ${duty} by ${formatLetterDate(x.previousDue, tz)}, but we need more time, and will now do so by ${formatLetterDate(x.newDue, tz)}.`,
    });
  }
  if (data.reason) blocks.push({ p: 'The reason:' }, { quote: data.reason });
  if (!theirs) blocks.push({ p: 'We are sorry for the delay.' });
  blocks.push(signOff(data, contactRole(policy, stage, data.aboutRole)));
  return [`Your complaint ${data.reference}: a change to the timescale`, blocks];
}

function timescale(data: LetterData): [string, Block[]] {
  const { policy } = data;
  const stage = stageOf(policy, data.stage);
  const tz = policy.defaults.timezone;
  const from = data.resumedOn ? ` on ${formatLetterDate(data.resumedOn, tz)}` : '';
  const blocks: Block[] = [
    ...opening(data),
    {
      p: `We wrote to you to say that the procedure for your complaint (reference ${data.reference}) had been suspended. We have now resumed it${from}, at ${stageTitle(stage)}, and the timescale starts again from that date.`,
    },
  ];
  const items: string[] = [];
  for (const d of data.deadlines.filter((x) => x.stage === stage.number && !x.metOn)) {
    const when = formatLetterDate(d.due, tz);
    const theirs = COMPLAINANT_TEXT[d.kind];
    if (theirs) items.push(`You have until ${when} to ${theirs}.`);
    else if (DUTY_TEXT[d.kind]) items.push(`We aim to ${DUTY_TEXT[d.kind]} by ${when}.`);
  }
  if (items.length) blocks.push({ p: 'The new timescale:' }, { list: items });
  blocks.push(signOff(data, contactRole(policy, stage, data.aboutRole)));
  return [`Your complaint ${data.reference}: the new timescale`, blocks];
}

function pause(data: LetterData): [string, Block[]] {
  const { policy } = data;
  const stage = stageOf(policy, data.stage);
  const on = data.pausedOn ? ` from ${formatLetterDate(data.pausedOn, policy.defaults.timezone)}` : '';
  const blocks: Block[] = [
    ...opening(data),
    {
      p: `We are writing to let you know that the procedure for your complaint (reference ${data.reference}) is suspended${on}, while another body looks into matters connected with it. This is provided for in the ${policy.name}.`,
    },
    { p: 'While the procedure is suspended, its timescales are on hold. When it resumes we will write to you with a new timescale.' },
    signOff(data, contactRole(policy, stage, data.aboutRole)),
  ];
  return [`Your complaint ${data.reference}: the procedure is suspended`, blocks];
}

function withdrawal(data: LetterData): [string, Block[]] {
  const { policy } = data;
  const stage = stageOf(policy, data.stage);
  const tz = policy.defaults.timezone;
  const on = data.withdrawnOn ? ` on ${formatLetterDate(data.withdrawnOn, tz)}` : '';
  const blocks: Block[] = [
    ...opening(data),
    {
      p: `We confirm that you withdrew your complaint (reference ${data.reference})${on}, at ${stageTitle(stage)} of the ${policy.name}. We have closed it and will take no further action on it.`,
    },
  ];
  if (data.retainUntil)
    blocks.push({
      p: `We will keep the record of your complaint until ${formatLetterDate(data.retainUntil, tz)}, in line with our retention policy, and then delete it.`,
    });
  blocks.push(
    { p: 'If you have any questions, or wish to raise a concern in future, please contact us.' },
    signOff(data, contactRole(policy, stage, data.aboutRole)),
  );
  return [`Your complaint ${data.reference}: withdrawal confirmed`, blocks];
}

// ---------------------------------------------------------------------------------------------
// Output

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const paragraphsHtml = (s: string) =>
  s
    .split(/\n\s*\n/)
    .map((para) => `<p>${escapeHtml(para.trim()).replace(/\r?\n/g, '<br>')}</p>`)
    .join('');

function toHtml(data: LetterData, blocks: Block[]): string {
  const out: string[] = [];
  out.push(`<p style="margin:0 0 4px 0"><strong>${escapeHtml(data.schoolName)}</strong></p>`);
  if (data.date) out.push(`<p>${escapeHtml(formatLetterDate(data.date))}</p>`);
  out.push(`<p>Reference: ${escapeHtml(data.reference)}</p>`);
  for (const b of blocks) {
    if ('p' in b) out.push(`<p>${escapeHtml(b.p)}</p>`);
    else if ('list' in b) out.push(`<ul>${b.list.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
    else if ('quote' in b)
      out.push(`<blockquote style="margin:0 0 1em 1em;padding-left:1em;border-left:3px solid #ccc">${paragraphsHtml(b.quote)}</blockquote>`);
    else out.push(`<p>${b.sign.map(escapeHtml).join('<br>')}</p>`);
  }
  return htmlDocument(out.join('\n'));
}

const htmlDocument = (body: string) =>
  `<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"></head><body style="font-family:Arial,Helvetica,sans-serif;font-size:11pt;line-height:1.4">${body}</body></html>`;

/**
 * A letter whose text a person edited before it went (the letter preview card): the text as
 * they left it, its paragraphs (blank-line separated) escaped into the same HTML shell.
 */
export function renderEditedLetter(subject: string, text: string): RenderedLetter {
  const body = text.replace(/\r\n?/g, '\n').trim();
  return { subject, html: htmlDocument(paragraphsHtml(body)), text: `${body}\n` };
}

function toText(data: LetterData, blocks: Block[]): string {
  const out: string[] = [data.schoolName];
  if (data.date) out.push(formatLetterDate(data.date));
  out.push(`Reference: ${data.reference}`);
  for (const b of blocks) {
    if ('p' in b) out.push(b.p);
    else if ('list' in b) out.push(b.list.map((i) => `- ${i}`).join('\n'));
    else if ('quote' in b)
      out.push(
        b.quote
          .trim()
          .split(/\r?\n/)
          .map((l) => `    ${l}`)
          .join('\n'),
      );
    else out.push(b.sign.join('\n'));
  }
  return `${out.join('\n\n')}\n`;
}

export function renderLetter(kind: LetterKind, data: LetterData): RenderedLetter {
  let subject: string;
  let blocks: Block[];
  switch (kind) {
    case 'acknowledgement':
      [subject, blocks] = acknowledgement(data);
      break;
    case 'outcome':
      [subject, blocks] = outcomeLetter(data, false);
      break;
    case 'panel_decision':
      [subject, blocks] = outcomeLetter(data, true);
      break;
    case 'panel_invitation':
      [subject, blocks] = panelInvitation(data);
      break;
    case 'hearing_cancelled':
      [subject, blocks] = hearingCancelled(data);
      break;
    case 'extension':
      [subject, blocks] = extension(data);
      break;
    case 'timescale':
      [subject, blocks] = timescale(data);
      break;
    case 'pause':
      [subject, blocks] = pause(data);
      break;
    case 'withdrawal_confirmation':
      [subject, blocks] = withdrawal(data);
      break;
    default:
      throw new Error(`unknown letter kind ${JSON.stringify(kind)}; expected one of ${LETTER_KINDS.join(', ')}`);
  }
  return { subject: `${subject} (${data.schoolName})`, html: toHtml(data, blocks), text: toText(data, blocks) };
}
