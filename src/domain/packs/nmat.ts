/**
 * Nunthorpe Multi Academy Trust, "Complaints Policy and Procedure (Statutory)", approved by the
 * NMAT Board of Trustees 15.05.24. Four stages in school days; a panel of three with one
 * independent member; complaints made in the holidays count from the first school day after.
 */
import type { PolicyInput } from '../policy.js';

const twoSchoolDaysAck = (section: string) =>
  ({ kind: 'acknowledge', amount: 2, unit: 'school_days', from: 'stage_received', cite: `${section}: "will acknowledge receipt of the complaint in writing within two school days"` }) as const;

export const nmat = {
  id: 'nmat',
  name: 'NMAT Complaints Policy and Procedure (Statutory)',
  organisation: 'Nunthorpe Multi Academy Trust',
  version: '2024-05-15',
  source: 'Complaints Policy and Procedure (Statutory), approved by the NMAT Board of Trustees 15.05.24, last reviewed May 2024',
  defaults: { region: 'england-and-wales', timezone: 'Europe/London' },
  roles: [
    { id: 'teacher', label: 'Teacher (or Pastoral Manager / Head of Department)' },
    { id: 'head_of_school', label: 'Head of School' },
    { id: 'executive_principal', label: 'Executive Principal' },
    { id: 'governance_lead', label: 'Governance Professional and Compliance Lead' },
    { id: 'chair_of_governors', label: 'Chair of Governors' },
    { id: 'governor', label: 'Governor' },
    { id: 'governing_body', label: 'The governing body (jointly the Chair and Vice Chair, or most or all governors)' },
    { id: 'trustee', label: 'Trustee' },
    { id: 'chair_of_trustees', label: 'Chair of Trustees' },
    { id: 'vice_chair_of_trustees', label: 'Vice Chair of Trustees' },
    { id: 'coo', label: 'Chief Operations Officer' },
    { id: 'central_team', label: "The Trust's Central Team" },
    { id: 'panel', label: 'Stage Four complaints panel', subject: false },
  ],
  stages: [
    {
      number: 1,
      name: 'Academy Response: informal complaint',
      handler: 'teacher',
      cite: '§11 Stage One: "Concerns should be raised with either the teacher, Pastoral Managers / Head of Department or relevant member of the academy\'s Senior Leadership team"',
      routing: [
        { about: ['teacher'], handler: 'head_of_school', cite: '§3: "Complaints against academy staff (except the Head of School) should be made in the first instance, to the Head of School"' },
        { about: ['head_of_school'], handler: 'executive_principal', cite: '§3: "Complaints that involve or are about the Head of School should be addressed to the Trust\'s Executive Principal"' },
        { about: ['chair_of_governors', 'governor', 'governing_body'], handler: 'governance_lead', cite: '§3: "Complaints about the Chair of Governors, any individual governor or the whole governing body should be addressed directly to the Governance Professional and Compliance Lead"' },
        { about: ['executive_principal', 'trustee', 'vice_chair_of_trustees'], handler: 'chair_of_trustees', cite: '§3: "Complaints about the Executive Principal or an NMAT Trustee, should be addressed to the Chair of Trustees"' },
        { about: ['chair_of_trustees', 'governance_lead'], handler: 'executive_principal', cite: '§3: "Complaints about the Chair of Trustees should be addressed to the Executive Principal"' },
        { about: ['central_team'], handler: 'coo', cite: '§12 Complaints about the Trust\'s Central Team: "Formal complaints must be made to the Chief Operations Officer"' },
        { about: ['coo'], handler: 'executive_principal', cite: '§12 Central Team: "(unless they are about the Chief Operations Officer)"; see choices' },
      ],
      clocks: [
        { kind: 'acknowledge', amount: 2, unit: 'school_days', from: 'stage_received', cite: '§11: "a complaint will be acknowledged by the within 2 school days of receipt of the complaint"' },
        { kind: 'respond', amount: 7, unit: 'school_days', from: 'stage_received', cite: '§11: "will aim to provide an informal response within seven school days of the date of receipt of the complaint"' },
      ],
      outcomes: ['resolved', 'upheld', 'partially_upheld', 'not_upheld'],
    },
    {
      number: 2,
      name: 'Formal complaint investigated by the Head of School',
      handler: 'head_of_school',
      cite: '§12 Stage Two: "This must be made to the Head of School (unless the complaint is about the Head of School)"',
      routing: [
        { about: ['head_of_school', 'chair_of_governors', 'governor', 'governing_body'], handler: 'executive_principal', cite: '§12: "If the complaint is about the Head of School, or a member of the governing body (including the Chair or Vice-Chair), the Trust\'s Executive Principal or a suitably skilled Trustee will complete all the actions at Stage Two"; jointly the Chair and Vice Chair or the governing body "will be escalated to the Executive Principal"' },
        { about: ['central_team'], handler: 'coo', cite: '§12 Complaints about the Trust\'s Central Team: "Formal complaints must be made to the Chief Operations Officer ... This will detail this step as being dealt with as Stage Two"' },
        { about: ['coo', 'chair_of_trustees', 'governance_lead'], handler: 'executive_principal', cite: '§3: "Complaints about the Chair of Trustees should be addressed to the Executive Principal"; §12 Central Team "(unless they are about the Chief Operations Officer)"; see choices' },
        { about: ['executive_principal', 'trustee', 'vice_chair_of_trustees'], handler: 'chair_of_trustees', cite: '§3: "Complaints about the Executive Principal or an NMAT Trustee, should be addressed to the Chair of Trustees"' },
      ],
      clocks: [
        twoSchoolDaysAck('§12 Stage Two'),
        { kind: 'respond', amount: 10, unit: 'school_days', from: 'stage_received', cite: '§12: "the Head of School will provide a formal written response usually within 10 school days of the date of receipt of the complaint"' },
      ],
      outcomes: ['resolved', 'upheld', 'partially_upheld', 'not_upheld'],
    },
    {
      number: 3,
      name: 'Formal complaint investigated by the Executive Principal',
      handler: 'executive_principal',
      cite: '§13 Stage Three: "a Stage Three complaint can be made to the Executive Principal (unless they are about the Executive Principal)"',
      routing: [
        { about: ['executive_principal'], handler: 'trustee', cite: '§13: "If the complaint is about the Executive Principal a suitably skilled Trustee will complete all the actions at Stage Three"' },
        { about: ['trustee', 'vice_chair_of_trustees'], handler: 'chair_of_trustees', cite: '§13: "If the complaint concerns a Trustee, the complaint should be investigated by the Chair of the Trust Board"' },
        { about: ['chair_of_trustees'], handler: 'vice_chair_of_trustees', cite: '§13: "If a formal complaint is received about the Chair, the complaint will be referred to the Vice Chair for investigation"' },
      ],
      clocks: [
        twoSchoolDaysAck('§13 Stage Three'),
        { kind: 'respond', amount: 10, unit: 'school_days', from: 'stage_received', cite: '§13: "the Executive Principal will usually provide a formal written response within 10 school days of the date of receipt of the complaint"' },
        { kind: 'escalation_window', amount: 5, unit: 'school_days', from: 'stage_response', owner: 'complainant', cite: '§14: "A request to escalate to Stage Four must be made ... within five school days of receipt of the Stage Three response"', note: 'Later requests "will only be considered if exceptional circumstances apply": they are accepted and flagged late_escalation.' },
      ],
      outcomes: ['resolved', 'upheld', 'partially_upheld', 'not_upheld'],
    },
    {
      number: 4,
      name: 'Trust Response: Panel Hearing',
      handler: 'panel',
      cite: '§14 Stage Four: "This is the final stage of the Trust\'s complaint\'s procedure"',
      panel: {
        minMembers: 3,
        independentMembers: 1,
        selection: 'appointed',
        excludeInvolved: true,
        proposedDates: { answerWithin: 5, unit: 'school_days', rejectionsBeforeProceeding: 3, cite: '§14: "Where a meeting date has been suggested and no response has been received within 5 school days, this will be seen as being rejected. If the complainant rejects the offer of three proposed dates, without good reason, the Governance Professional and Compliance Lead will decide when to hold the Hearing in the complainant\'s absence"' },
        cite: '§14: "The Panel Hearing will consist of at least three people who were not directly involved in the matters detailed in the complaint. One panel member will be independent of the management and running of the Academy Trust."',
      },
      routing: [
        { about: ['governance_lead'], handler: 'coo', dutiesOnly: true, cite: '§14 names the Governance Professional and Compliance Lead as clerk; see choices' },
      ],
      clocks: [
        { kind: 'acknowledge', amount: 2, unit: 'school_days', from: 'stage_received', owner: 'governance_lead', cite: '§14: "The Governance Professional and Compliance Lead will record the date the complaint is received and acknowledge receipt of the complaint in writing within two school days"' },
        { kind: 'hearing', amount: 15, unit: 'school_days', from: 'stage_received', owner: 'governance_lead', cite: '§14: "They will aim to convene a Hearing within fifteen school days of receipt of the Stage Four request"' },
        { kind: 'hearing_notice', amount: 10, unit: 'school_days', from: 'hearing', direction: 'before', owner: 'governance_lead', cite: '§14: "At least 10 school days before the Hearing, the Governance Professional and Compliance Lead will confirm and notify the complainant of the date, time and venue"' },
        { kind: 'panel_papers', amount: 7, unit: 'school_days', from: 'hearing', direction: 'before', owner: 'governance_lead', cite: '§14: "request copies of any further written material to be submitted to the Panel at least seven school days before the meeting"' },
        { kind: 'companion_notice', amount: 2, unit: 'school_days', from: 'hearing', direction: 'before', owner: 'complainant', cite: '§14: "A complainant may bring someone along ... This request must be submitted in writing 2 school days prior to the meeting"' },
        { kind: 'panel_decision', amount: 10, unit: 'school_days', from: 'hearing', owner: 'panel', cite: '§14: "The Chair of the Panel will provide the complainant with a full explanation of their decision and the reason(s) for it, in writing, within 10 school days"' },
      ],
      outcomes: ['upheld', 'partially_upheld', 'dismissed'],
    },
  ],
  receipt: { outsideTerm: 'first_school_day_after', cite: '§6: "The Trust will consider complaints made outside of term time to have been received on the first school day after the holiday period"' },
  scope: {
    timeLimit: { amount: 3, unit: 'months', exceptionalCircumstances: true, cite: '§5: "You must raise the complaint within three months of the incident or, where a series of associated incidents have occurred, within three months of the last of these incidents"' },
    outOfScope: [
      { category: 'admissions', label: 'Admissions to NMAT academies', signpost: 'Handled through the admissions appeals process or via the Local Authority.', cite: '§3 Exceptions: Admissions' },
      { category: 'child_protection', label: 'Matters likely to require a Child Protection Investigation', signpost: "Handled under NMAT's Child Protection and Safeguarding policy; serious concerns can go to the LADO or the Multi-Agency Safeguarding Hub (MASH).", cite: '§3 Exceptions: Child Protection' },
      { category: 'exclusions', label: 'Exclusion of children from school', signpost: 'See www.gov.uk/school-discipline-exclusions/exclusions. Complaints about how the behaviour policy was applied do come under this procedure.', cite: '§3 Exceptions: Exclusion' },
      { category: 'whistleblowing', label: 'Whistleblowing', signpost: "Use the Trust's internal whistleblowing procedure, or the Secretary of State for Education as prescribed person.", cite: '§3 Exceptions: Whistleblowing' },
      { category: 'staff_grievance', label: 'Staff grievances', signpost: "Dealt with under the Trust's internal grievance procedures.", cite: '§3 Exceptions: Staff grievances' },
      { category: 'staff_conduct', label: 'Staff conduct', signpost: "Considered under the Trust's staff disciplinary procedures; the complainant is told the matter is being addressed but not the outcome.", cite: '§3 Exceptions: Staff conduct; Note: "Complaints about staff conduct will not generally be handled under this complaint\'s procedure"' },
      { category: 'send_assessment', label: 'Statutory assessments of Special Educational Needs', signpost: 'Raise with the Local Authority; decisions can be appealed to the SEND Tribunal.', cite: '§1: "Statutory assessments of Special Educational Needs (SEN) ... are outside the responsibility of the Trust"' },
    ],
    complainants: 'Any person, including members of the public (§1).',
  },
  retention: { years: 6, lookedAfterChildYears: 40, cite: 'Privacy Notice: "keep personal data collected as part of the complaints process for six years upon closure of the complaint ... any complaints in relation to Looked after Children will be kept for 40 Years from closure of the file"' },
  pause: { allowed: true, cite: '§7: "If other bodies are investigating aspects of the complaint, for example the police, local authority (LA) safeguarding teams or tribunals, this may ... result in the procedure being suspended ... we will inform you of a proposed new timescale"' },
  choices: [
    { about: '§11 acknowledgement "by the within 2 school days" (a word is missing)', choice: 'Read as: acknowledged by the person handling Stage One within 2 school days.' },
    { about: 'Who handles a complaint about the Chief Operations Officer or the Governance Lead (§12 says only "unless they are about the Chief Operations Officer")', choice: 'The Executive Principal, the next person up in the Trust.' },
    { about: 'Stage 2 for a complaint about the Executive Principal, a Trustee or the Chair of Trustees', choice: 'Follows §3: the Chair of Trustees (about the Executive Principal or a Trustee) and the Executive Principal (about the Chair). Stage 3 then follows §13: a suitably skilled Trustee, the Chair, or the Vice Chair.' },
    { about: '§6 "outside of term time"', choice: 'Days outside every term\'s dates (the holidays). A weekend, bank holiday or INSET day inside a term is term time: the clock counts from the next school day anyway.' },
    { about: '§6 applied to escalation requests', choice: 'A request for Stage Three or Four sent in a holiday is a complaint made outside term time too, so it counts from the first school day after.' },
    { about: 'Which hearing date the notice, papers and companion deadlines count back from', choice: 'The scheduled hearing date; until one is set, the latest date §14 allows (15 school days after the request), so the clerk sees the last safe day.' },
    { about: 'Stage Four when the complaint is about the Governance Professional and Compliance Lead', choice: 'The Chief Operations Officer takes on the clerk\'s duties (acknowledging, convening, notice and papers), being senior and not involved at earlier stages; the panel still hears it.' },
    { about: 'Pausing (§7)', choice: 'While paused no deadline is overdue; on resumption the open clocks of the stage restart from the resumption date (the "proposed new timescale").' },
  ],
  nextSteps: 'If you believe the Trust did not handle your complaint in accordance with its published procedure, or acted unlawfully or unreasonably, you can contact the Department for Education (formerly the ESFA) after Stage Four: https://form.education.gov.uk/service/Contact_the_Department_for_Education, 0370 000 2288, or Academy Complaints and Customer Insight Unit, Cheylesmore House, 5 Quinton Road, Coventry CV1 2WT.',
} as const satisfies PolicyInput;
