/**
 * Realistic data for every card, as the bot would bind it for a parent's complaint at
 * Nunthorpe Academy under the NMAT policy: used by the binding tests, the Chromium rendering
 * tests and the screenshot script.
 */
import type { CardData, CardName, DeadlineView } from '../../bot/cardTypes.js';
import { builtInPolicy } from '../../src/domain/packs/index.js';
import { renderLetter } from '../../src/letters/letters.js';
import { P, nmatSchool } from '../helpers/app.js';

const policy = builtInPolicy('nmat');
const school = nmatSchool();

export const CASE_ID = 'case-01J9Z6T3QK';
export const DRAFT_ID = 'draft-01J9Z6R2AB';
export const REFERENCE = 'NMAT-2026-0001';

const commands = [
  { title: 'new complaint', description: 'Record a complaint that has just come in' },
  { title: 'my cases', description: 'Complaints you are handling, and what is due' },
  { title: 'overdue', description: 'Deadlines that have passed' },
  { title: 'case NMAT-2026-0001', description: 'See one complaint by its reference' },
  { title: 'help', description: 'This list' },
];

const header = {
  caseId: CASE_ID,
  reference: REFERENCE,
  schoolName: school.name,
  policyName: policy.name,
  stage: 2,
  stageName: policy.stages[1]!.name,
  status: 'Open',
  handlerName: 'Hana Head',
  receivedOn: 'Mon 9 Nov 2026',
  subject: 'Behaviour and discipline, about a teacher',
  version: 4,
} satisfies CardData['case-task']['header'];

const deadlines: DeadlineView[] = [
  {
    stage: 2,
    kind: 'acknowledge',
    label: 'Acknowledge',
    due: '2026-11-11',
    dueText: 'Wed 11 Nov 2026',
    metOn: 'Tue 10 Nov 2026',
    overdue: false,
    owner: 'Hana Head',
  },
  { stage: 2, kind: 'respond', label: 'Respond', due: '2026-11-23', dueText: 'Mon 23 Nov 2026', metOn: null, overdue: true, owner: 'Hana Head' },
];

const outcomes = [
  { id: 'resolved', label: 'Resolved' },
  { id: 'upheld', label: 'Upheld' },
  { id: 'partially_upheld', label: 'Partially upheld' },
  { id: 'not_upheld', label: 'Not upheld' },
];

const PANEL_RULE = 'At least 3 people not involved in the complaint before, one of them independent of the school (NMAT §14).';
const panelHeader = { ...header, stage: 4, stageName: policy.stages[3]!.name, handlerName: 'Gail Clerk', version: 6 } satisfies CardData['case-task']['header'];

const people = school.people.filter((p) => p.id !== P.teacher && p.roles.length).map((p) => ({ id: p.id, name: p.name }));

const roles = policy.roles.filter((r) => r.subject !== false).map((r) => ({ id: r.id, label: r.label }));

/**
 * KPSSPP's Stage One subgroup, drawn at random (bot/panel.ts): a complaint about one member
 * that names another, the subgroup drawn, then Morag replaced by Murdo.
 */
const kpsspp = builtInPolicy('kpsspp');
const subgroupHeader = {
  ...header,
  caseId: 'case-01JA0KPS01',
  reference: 'KPSSPP-2026-0003',
  schoolName: "King's Park Secondary School Parent Partnership",
  policyName: kpsspp.name,
  stage: 1,
  stageName: kpsspp.stages[0]!.name,
  handlerName: 'Mhairi Member',
  receivedOn: 'Tue 3 Nov 2026',
  subject: 'Communication with the school, about Fiona Fraser (KPSSPP member)',
  version: 5,
} satisfies CardData['case-task']['header'];
const subgroupRule = `3 KPSSPP members, picked at random. Left out: anyone the complaint is about or names, anyone involved in it at an earlier stage and anyone who has left. The first drawn convenes the subgroup: they handle stage 1 and the deadlines the subgroup owes (KPSSPP Stage One).`;
const subgroupPool = {
  cite: `KPSSPP ${kpsspp.stages[0]!.panel!.cite}`,
  poolText: '4 KPSSPP members can be drawn:',
  pool: [{ name: 'Morag Member' }, { name: 'Murdo Member' }, { name: 'Mhairi Member' }, { name: 'Malcolm Member' }],
  excluded: [
    { name: 'Moira Member', why: 'the complaint names them' },
    { name: 'Fiona Fraser', why: 'the complaint is about them' },
    { name: 'Lee Leaver', why: 'has left' },
  ],
};

function subgroupDrawn(): CardData['panel-draw'] {
  return {
    step: 'drawn',
    header: subgroupHeader,
    eventCount: 5,
    rule: subgroupRule,
    ...subgroupPool,
    drawTitle: 'Draw 3 at random',
    notice: 'Morag Member was replaced by Murdo Member, picked at random by Chris Chair on Thu 5 Nov 2026, 11:00.',
    values: { replaceMemberId: 'kp-malcolm', replaceReason: 'No' },
    errors: { replaceReason: 'Give the reason for replacing them in a few words.' },
    drawn: {
      members: [
        { name: 'Mhairi Member', role: 'Convener, handles stage 1' },
        { name: 'Malcolm Member', role: 'Member' },
        { name: 'Murdo Member', role: 'Member' },
      ],
      when: 'Morag Member was replaced by Murdo Member, picked at random by Chris Chair on Thu 5 Nov 2026, 11:00.',
      history: [
        { text: 'Wed 4 Nov 2026, 09:30: Complaints subgroup drawn at random by Chris Chair: Mhairi Member, Morag Member and Malcolm Member' },
        {
          text: 'Thu 5 Nov 2026, 11:00: Morag Member replaced on the complaints subgroup by Murdo Member, picked at random by Chris Chair: Morag is related to the complainant.',
        },
      ],
      replaceable: [
        { id: 'kp-mhairi', title: 'Mhairi Member' },
        { id: 'kp-malcolm', title: 'Malcolm Member' },
        { id: 'kp-murdo', title: 'Murdo Member' },
      ],
    },
  };
}

/** The subgroup card's other shapes: before the draw, and too few to draw. */
export const subgroupSteps: Array<[string, CardData['panel-draw']]> = [
  [
    'subgroup: draw',
    {
      step: 'draw',
      header: { ...subgroupHeader, handlerName: 'Sandy Standing', version: 2 },
      eventCount: 2,
      rule: subgroupRule,
      ...subgroupPool,
      drawTitle: 'Draw 3 at random',
      values: {},
      errors: {},
    },
  ],
  [
    'subgroup: too few to draw',
    {
      step: 'draw',
      header: { ...subgroupHeader, version: 2 },
      eventCount: 2,
      rule: subgroupRule,
      ...subgroupPool,
      poolText: '2 KPSSPP members can be drawn:',
      pool: subgroupPool.pool.slice(0, 2),
      cannotDraw:
        "The subgroup needs 3 KPSSPP members and only 2 can be drawn. Ask your IT admin to add KPSSPP members to King's Park Secondary School Parent Partnership's list, then open this card again.",
      values: {},
      errors: {},
    },
  ],
  [
    'subgroup: drawn, a new draw without a reason',
    { ...quietDrawn(), values: {}, errors: { drawReason: 'Give the reason for drawing a new subgroup in a few words.' } },
  ],
];

function quietDrawn(): CardData['panel-draw'] {
  const { notice: _notice, ...data } = subgroupDrawn();
  return data;
}

export const samples: { [N in CardName]: CardData[N] } = {
  welcome: { userName: 'Rita Reception', schoolName: school.name, commands },
  help: { commands, text: 'I keep track of complaints under the NMAT Complaints Policy and Procedure.' },
  message: { title: 'Not found', text: 'There is no complaint NMAT-2026-0099 that you can see. Check the reference and try again.', tone: 'warning' },
  setup: {
    policies: [
      { id: 'nmat', name: 'NMAT Complaints Policy and Procedure (Statutory)' },
      { id: 'miet', name: 'Model policy for maintained schools (DfE)' },
    ],
    regions: [
      { id: 'england-and-wales', name: 'England and Wales' },
      { id: 'scotland', name: 'Scotland' },
      { id: 'northern-ireland', name: 'Northern Ireland' },
    ],
    presets: [
      {
        id: 'england-2026-27',
        label: 'England 2026 to 2027',
        termsText: 'Autumn 2026-09-03 to 2026-12-18\nSpring 2027-01-04 to 2027-03-26\nSummer 2027-04-12 to 2027-07-21',
      },
      { id: 'scotland-2026-27', label: 'Scotland 2026 to 2027', termsText: 'Autumn 2026-08-18 to 2026-12-22' },
    ],
    // Role fields are `role_<role id>`, as bot/setup.ts names them.
    roles: [
      { id: 'role_head_of_school', label: 'Head of School' },
      { id: 'role_governance_lead', label: 'Governance Professional and Compliance Lead' },
    ],
    values: {
      schoolName: 'Nunthorpe Academy',
      policy: 'nmat',
      region: 'england-and-wales',
      preset: 'england-2026-27',
      role_head_of_school: 'hana.head@nunthorpe.org.uk',
    },
    errors: { role_governance_lead: 'Enter the email address of the person who holds this role.' },
  },
  'intake-complainant': {
    draftId: DRAFT_ID,
    step: 'complainant',
    values: {
      complainantName: 'Priya Parent',
      relationship: 'parent of a pupil in Year 8',
      preferredContact: 'email',
      email: 'priya.parent@example',
      phone: '01642 123456',
    },
    errors: { email: 'Expected an email address such as parent@example.com.' },
  },
  'intake-about': { draftId: DRAFT_ID, step: 'about', roles, values: { aboutRole: 'teacher', aboutName: 'Mr Smith' }, errors: {} },
  'intake-category': {
    draftId: DRAFT_ID,
    step: 'category',
    categories: [
      { id: 'behaviour', label: 'Behaviour and discipline' },
      { id: 'teaching', label: 'Teaching and learning' },
      { id: 'bullying', label: 'Bullying' },
      { id: 'other', label: 'Something else' },
    ],
    outOfScope: policy.scope.outOfScope.map((o) => ({ id: o.category, label: o.label, signpost: o.signpost })),
    values: { category: 'behaviour' },
    errors: {},
  },
  'intake-details': {
    draftId: DRAFT_ID,
    step: 'details',
    timeLimit: 'This policy asks for complaints within 3 months of the incident.',
    late: {
      message:
        'The incident was on 1 June 2026, more than 3 months before the complaint arrived. It can still be accepted if there were exceptional circumstances.',
    },
    values: {
      summary: 'My son was kept in detention three times this week without any explanation from the school.',
      incidentOn: '2026-06-01',
      receivedOn: '2026-11-09',
    },
    errors: { lateReason: 'Say why it should be accepted late.' },
  },
  'intake-outcome': { draftId: DRAFT_ID, step: 'outcome', values: { desiredOutcome: 'An explanation and an apology.' }, errors: {} },
  'intake-review': {
    draftId: DRAFT_ID,
    step: 'review',
    summary: [
      { label: 'Complainant', value: 'Priya Parent, parent of a pupil in Year 8' },
      { label: 'Contact', value: 'By email: priya.parent@example.com' },
      { label: 'About', value: 'Teacher: Mr Smith' },
      { label: 'Category', value: 'Behaviour and discipline' },
      { label: 'What happened', value: 'My son was kept in detention three times this week without any explanation from the school.' },
      { label: 'Received', value: 'Mon 9 Nov 2026' },
      { label: 'Outcome wanted', value: 'An explanation and an apology.' },
    ],
    duplicates: [
      { caseId: 'case-01J8', reference: 'NMAT-2026-0000', receivedOn: 'Mon 2 Nov 2026', summary: 'My son keeps getting detentions without explanation.' },
      { caseId: 'case-01J7', reference: 'NMAT-2025-0031', receivedOn: 'Thu 15 Oct 2026', summary: 'Detentions given to my son for things he did not do.' },
    ],
    errors: { duplicates: 'Choose whether to link it to the earlier complaints or record it separately.' },
  },
  'intake-confirmation': {
    reference: REFERENCE,
    handlerName: 'Hana Head',
    handlerRole: 'Head of School',
    deadlines: [
      { stage: 1, kind: 'acknowledge', label: 'Acknowledge', due: '2026-11-11', dueText: 'Wed 11 Nov 2026', metOn: null, overdue: false, owner: 'Hana Head' },
      { stage: 1, kind: 'respond', label: 'Respond', due: '2026-11-18', dueText: 'Wed 18 Nov 2026', metOn: null, overdue: false, owner: 'Hana Head' },
    ],
  },
  'case-task': {
    header,
    deadlines,
    can: { acknowledge: true, outcome: true, extend: true, reassign: true, escalate: true, bookPanel: false },
    outcomes,
    extendable: [{ kind: 'respond', label: 'Respond' }],
    people,
    values: { decision: 'Too short' },
    errors: { decision: 'Write the decision and the reasons for it, as the complainant will read them.' },
    notice: 'Acknowledged by Hana Head on Tue 10 Nov',
    refreshUserIds: ['29:1hana-head', '29:1eve-principal'],
  },
  'case-view': {
    header,
    deadlines,
    history: [
      { at: 'Mon 9 Nov', text: 'Recorded by Rita Reception' },
      { at: 'Tue 10 Nov', text: 'Acknowledged by Hana Head' },
    ],
  },
  'case-list': {
    title: 'Complaints you are handling',
    empty: 'You are not handling any complaints at the moment.',
    cases: [
      { caseId: CASE_ID, reference: REFERENCE, stage: 2, status: 'Open', next: 'Respond by Mon 23 Nov 2026', overdue: 1 },
      { caseId: 'case-01J9Z7', reference: 'NMAT-2026-0002', stage: 1, status: 'Open', next: 'Acknowledge by Thu 12 Nov 2026', overdue: 0 },
    ],
  },
  nudge: { level: 'overdue', header, deadline: deadlines[1]! },
  digest: {
    schoolName: school.name,
    date: 'Tue 24 Nov 2026',
    items: [
      { caseId: CASE_ID, reference: REFERENCE, stage: 2, label: 'Respond', dueText: 'Mon 23 Nov 2026', owner: 'Hana Head' },
      { caseId: 'case-01J9Z7', reference: 'NMAT-2026-0002', stage: 1, label: 'Acknowledge', dueText: 'Thu 12 Nov 2026', owner: 'Tom Teacher' },
    ],
  },
  'panel-booking': {
    step: 'choose',
    header: panelHeader,
    eventCount: 9,
    rule: PANEL_RULE,
    values: { memberIds: `${P.panel1},${P.panel2}`, organiser: 'gail.clerk@nunthorpe.org.uk', venue: '', online: 'true', durationMinutes: '90' },
    errors: { memberIds: 'One member must be independent of the school (NMAT §14): choose one marked independent.' },
    choose: {
      ruleStatus: 'Not met yet: choose 1 more member, and one independent of the school.',
      ruleMet: false,
      candidates: [
        { id: P.panel1, title: 'Pat Panel' },
        { id: P.panel2, title: 'Pam Panel' },
        { id: P.panel3, title: 'Ian Independent (independent of the school)' },
      ],
      excluded: [
        { name: 'Tom Teacher', why: 'the complaint is about them' },
        { name: 'Hana Head', why: 'handled stage 2' },
      ],
      organisers: [
        { value: 'gail.clerk@nunthorpe.org.uk', title: 'Gail Clerk (gail.clerk@nunthorpe.org.uk)' },
        { value: 'dev.deputy@nunthorpe.org.uk', title: 'Dev Deputy (dev.deputy@nunthorpe.org.uk)' },
      ],
      durationMinutes: 90,
    },
  },
  'panel-draw': subgroupDrawn(),
  'letter-preview': letterPreview(),
};

/** The acknowledgement of stage 2 as the letter templates write it, waiting for Hana Head to check it. */
function letterPreview(): CardData['letter-preview'] {
  const letter = renderLetter('acknowledgement', {
    schoolName: school.name,
    complainantName: 'Priya Parent',
    reference: REFERENCE,
    policy,
    stage: 2,
    date: '2026-11-10',
    stageReceivedOn: '2026-11-09',
    deadlines: [{ stage: 2, kind: 'respond', due: '2026-11-23' }],
  });
  const text = letter.text.trim();
  return {
    caseId: CASE_ID,
    key: `${CASE_ID}:letter:acknowledgement:2`,
    version: 5,
    reference: REFERENCE,
    schoolName: school.name,
    title: 'Acknowledgement letter',
    to: 'Priya Parent (by email)',
    subject: letter.subject,
    editable: true,
    when: 'Goes at 10:25 unless you send it sooner.',
    paragraphs: text.split(/\n\s*\n/).map((t) => ({ text: t })),
    values: { text },
    errors: {},
    refreshUserIds: [],
  };
}

const panelChoice = {
  memberIds: `${P.panel1},${P.panel2},${P.panel3}`,
  organiser: 'gail.clerk@nunthorpe.org.uk',
  venue: 'Meeting room 2',
  online: 'true',
  durationMinutes: '120',
};

/** The panel booking card's other steps (the sample above is its first). */
export const panelSteps: Array<[string, CardData['panel-booking']]> = [
  [
    'panel booking: pick a date',
    {
      step: 'date',
      header: panelHeader,
      eventCount: 9,
      rule: PANEL_RULE,
      values: { slot: 'other', otherStart: '2027-01-08 10:00', reason: '' },
      errors: { reason: 'This date is outside the window the policy allows: give the reason.' },
      date: {
        window: "Between Fri 11 Dec 2026 and Fri 18 Dec 2026: at least 10 school days' notice; within 15 school days of the request (NMAT §14).",
        panel: 'Pat Panel, Pam Panel and Ian Independent (independent of the school)',
        slots: [
          { value: '2026-12-15T10:00', title: 'Tue 15 Dec 2026, 10:00-12:00' },
          { value: '2026-12-16T09:00', title: 'Wed 16 Dec 2026, 09:00-11:00' },
          { value: '2026-12-21T09:00', title: 'Mon 21 Dec 2026, 09:00-11:00 (outside the window)' },
        ],
        unavailable: "Pam Panel's calendar could not be read: check with them that the time suits.",
        rescheduling: false,
        choice: panelChoice,
      },
    },
  ],
  [
    'panel booking: booked',
    {
      step: 'booked',
      header: { ...panelHeader, version: 7 },
      eventCount: 11,
      rule: PANEL_RULE,
      notice:
        'Hearing booked by Gail Clerk on Mon 23 Nov 2026: Tue 15 Dec 2026, 10:00-12:00. The invitations and the letter to the complainant are on their way.',
      values: {},
      errors: {},
      booked: {
        when: 'Tue 15 Dec 2026, 10:00-12:00',
        where: 'Meeting room 2, and a Teams meeting',
        joinUrl: 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_example',
        organiser: 'gail.clerk@nunthorpe.org.uk',
        invitation: "Sent from the organiser's Outlook calendar",
        members: [
          { name: 'Pat Panel', answer: 'Accepted', declined: false },
          { name: 'Pam Panel', answer: 'Declined', declined: true },
          { name: 'Ian Independent', answer: 'No answer yet', declined: false },
        ],
        complainant: 'told by letter (they asked for letters by post)',
        answer: {
          text: 'No answer yet.',
          how: 'They are not sent the Outlook invitation (they asked for letters by post), so their answer must be recorded here when it arrives, by phone, letter or email. With no answer by Tue 8 Dec 2026, this date counts as rejected (NMAT §14).',
        },
        dates: [
          { hearingOn: 'Tue 8 Dec 2026', offeredOn: 'offered Mon 23 Nov 2026', status: 'Rejected: no answer by Mon 30 Nov 2026' },
          { hearingOn: 'Tue 15 Dec 2026', offeredOn: 'offered Tue 1 Dec 2026', status: 'Waiting for an answer by Tue 8 Dec 2026' },
        ],
        rejected: 'Dates rejected so far: 1 of 3.',
      },
    },
  ],
  [
    'panel booking: a member declined',
    {
      step: 'declined',
      header: panelHeader,
      rule: PANEL_RULE,
      values: {},
      errors: {},
      declined: {
        text: 'Pam Panel declined the panel hearing on Tue 15 Dec 2026, 10:00. Move the hearing to a time that suits the panel, or choose another member.',
        slots: ['Wed 16 Dec 2026, 09:00-11:00', 'Thu 17 Dec 2026, 13:00-15:00'],
      },
    },
  ],
];

/** Key texts each card must show once rendered: reference, due dates, field errors. */
export const keyTexts: { [N in CardName]: string[] } = {
  welcome: ['Hello, Rita Reception', 'Nunthorpe Academy', 'new complaint', 'my cases'],
  help: ['What I can do', 'overdue', 'NMAT Complaints Policy'],
  message: ['Not found', 'NMAT-2026-0099'],
  setup: ['School or trust name', 'Head of School', 'Enter the email address of the person who holds this role.'],
  'intake-complainant': ['Who is making the complaint?', 'Expected an email address such as parent@example.com.'],
  'intake-about': ['Their role', 'Head of School'],
  'intake-category': ['Behaviour and discipline', 'Admissions to NMAT academies', 'SEND Tribunal'],
  'intake-details': ['This complaint is late', 'more than 3 months', 'Say why it should be accepted late.'],
  'intake-outcome': ['What would they like to happen?'],
  'intake-review': ['Priya Parent', 'NMAT-2026-0000', 'Choose whether to link it to the earlier complaints or record it separately.'],
  'intake-confirmation': [REFERENCE, 'Hana Head', 'Wed 11 Nov 2026', 'Wed 18 Nov 2026'],
  'case-task': [
    REFERENCE,
    'Overdue, was due Mon 23 Nov 2026',
    'Done Tue 10 Nov 2026',
    'Acknowledged by Hana Head on Tue 10 Nov',
    'The outcome has not been recorded yet.',
  ],
  'case-view': [REFERENCE, 'Mon 23 Nov 2026', 'Acknowledged by Hana Head'],
  'case-list': [REFERENCE, 'NMAT-2026-0002', '1 deadline overdue', 'Respond by Mon 23 Nov 2026'],
  nudge: [REFERENCE, 'Respond was due Mon 23 Nov 2026'],
  digest: ['Nunthorpe Academy', REFERENCE, 'Mon 23 Nov 2026', 'Thu 12 Nov 2026', 'Tom Teacher'],
  'panel-booking': [
    REFERENCE,
    'Step 1 of 3 · Choose the panel',
    'independent of the school (NMAT §14)',
    'Ian Independent (independent of the school)',
    'Tom Teacher: the complaint is about them',
    'One member must be independent of the school (NMAT §14): choose one marked independent.',
  ],
  'panel-draw': [
    'KPSSPP-2026-0003',
    'The subgroup drawn',
    'Mhairi Member',
    'Convener, handles stage 1',
    'Fiona Fraser: the complaint is about them',
    'Moira Member: the complaint names them',
    'picked at random (excluding any member mentioned in the complaint)',
    'Nobody has been replaced yet. Open Replace a member below to see what needs changing.',
  ],
  'letter-preview': [
    REFERENCE,
    'Acknowledgement letter',
    'Priya Parent (by email)',
    'Your complaint NMAT-2026-0001: acknowledgement (Nunthorpe Academy)',
    'Goes at 10:25 unless you send it sooner.',
    'Send now',
  ],
};
