/**
 * MIET (Manchester Islamic Educational Trust) schools' complaints policy. Three stages, each
 * with a different person; clocks in working days; a panel of three with one member
 * independent of the school.
 */
import type { PolicyInput } from '../policy.js';

const ack3 = (stage: string) =>
  ({ kind: 'acknowledge', amount: 3, unit: 'working_days', from: 'stage_received', cite: `${stage}: "acknowledged within 3 working days"` }) as const;

export const miet = {
  id: 'miet',
  name: 'MIET Complaints Policy',
  organisation: 'MIET schools',
  version: '2023',
  source: 'MIET schools complaints policy (Introduction; Who to contact?; Procedure, Stages 1 to 3; Record of complaints; Data protection)',
  defaults: { region: 'england-and-wales', timezone: 'Europe/London' },
  roles: [
    { id: 'class_teacher', label: 'Class teacher' },
    { id: 'pastoral_lead', label: 'Pastoral Lead / Deputy Head Teacher' },
    { id: 'head_teacher', label: 'Head Teacher' },
    { id: 'executive_head', label: 'Executive Head Teacher' },
    { id: 'chair_of_trustees', label: 'Chairman of Trustees' },
    { id: 'trust_office', label: 'Trust office (Trust office Manager)' },
    { id: 'panel', label: 'Complaints panel', subject: false },
  ],
  stages: [
    {
      number: 1,
      name: 'Informal Resolution',
      handler: 'class_teacher',
      cite: 'Who to contact?: "If parents have a concern or complaint they should normally contact their child\'s class teacher"',
      routing: [
        { about: ['class_teacher'], handler: 'pastoral_lead', cite: 'Who to contact?: "Where the complaint is about the class teacher, a parent should take their concerns directly to the Pastoral Lead/Deputy Head Teacher"' },
        { about: ['pastoral_lead'], handler: 'head_teacher', cite: 'Who to contact?: "If a complaint relates to a senior member of staff concerns should be taken directly to the Head Teacher"' },
        { about: ['head_teacher', 'trust_office', 'chair_of_trustees'], handler: 'executive_head', cite: 'Who to contact?: "... to the Head Teacher or Executive Head Teacher in her absence"; see choices' },
        { about: ['executive_head'], handler: 'chair_of_trustees', cite: 'Who to contact?: "Where a complaint is against the Executive Head, parents should make their complaint to the Chairman of Trustees by emailing the Trust office"' },
      ],
      clocks: [
        { ...ack3('Stage 1'), cite: 'Stage 1: "If the complaint is made in writing or by email, it will normally be acknowledged within 3 working days"' },
        { kind: 'respond', amount: 10, unit: 'working_days', from: 'stage_received', cite: 'Stage 1: "If the matter is not resolved within 10 working days ... parents will be advised to proceed to Stage 2"' },
      ],
      outcomes: ['resolved', 'upheld', 'partially_upheld', 'not_upheld'],
      escalateWhenResponseOverdue: true,
    },
    {
      number: 2,
      name: 'Formal Resolution',
      handler: 'head_teacher',
      cite: 'Stage 2: "the parents should put their complaint in writing to the Head Teacher"',
      routing: [
        { about: ['head_teacher', 'chair_of_trustees', 'trust_office'], handler: 'executive_head', cite: 'Stage 2: "If the complaint is against the Head Teacher, the Executive Head Teacher will call for a full report from the Head Teacher"; see choices' },
        { about: ['executive_head'], handler: 'chair_of_trustees', cite: 'Stage 2: "If the complaint is against the Executive Head Teacher, the Trust Chair will call for a full report from the Executive Head Teacher"' },
      ],
      clocks: [
        { ...ack3('Stage 2'), cite: 'Stage 2: "The Head Teacher, or someone on her behalf, will acknowledge receipt of the written complaint within 3 working days"' },
        { kind: 'respond', amount: 10, unit: 'working_days', from: 'stage_received', cite: 'Stage 2: "will meet the parents concerned to discuss the matter. This will be within 10 working days of the receipt of the written complaint"; against the Head Teacher: "This will be within 10 working days from the receipt of the written complaint"', note: 'The text times the meeting, not the written decision; we use it as the response deadline (see choices).' },
        { kind: 'escalation_window', amount: 5, unit: 'working_days', from: 'stage_response', owner: 'complainant', cite: 'Stage 3: "If parents wish to request a panel hearing they should write to the Trust office within five working days of the stage 2 decision"' },
      ],
      outcomes: ['resolved', 'upheld', 'partially_upheld', 'not_upheld'],
    },
    {
      number: 3,
      name: 'Panel Hearing',
      handler: 'panel',
      cite: 'Stage 3: "The matter will then be referred to a complaints panel"; "The decision of the Panel will be final"',
      panel: {
        minMembers: 3,
        maxMembers: 3,
        independentMembers: 1,
        selection: 'appointed',
        excludeInvolved: true,
        cite: 'Stage 3: "The Panel will consist of three persons not directly involved in the matters detailed in the complaint, one of whom shall be independent of the management and running of the School"',
      },
      routing: [
        { about: ['trust_office'], handler: 'chair_of_trustees', dutiesOnly: true, cite: 'Stage 3: "The Trust office will notify the Chairman"; see choices' },
      ],
      clocks: [
        { kind: 'hearing', amount: 14, unit: 'working_days', from: 'stage_received', owner: 'trust_office', cite: 'Stage 3: "The Trust office Manager ... will acknowledge the complaint and schedule a hearing to take place as soon as practicable, and normally within 14 working days of the parent\'s request for a panel hearing"' },
        { kind: 'panel_papers', amount: 3, unit: 'working_days', from: 'hearing', direction: 'before', owner: 'trust_office', cite: 'Stage 3: "Copies of such details shall be supplied to all parties not later than 3 working days prior to the hearing"' },
        { kind: 'panel_decision', amount: 7, unit: 'working_days', from: 'hearing', owner: 'panel', cite: 'Stage 3: "The Panel will write to the parents informing them of its decision and the reasons for it; barring any unforeseen absence, this will be within 7 working days of the hearing"' },
      ],
      outcomes: ['upheld', 'dismissed'],
    },
  ],
  targets: [
    { kind: 'stages_target', fromStage: 1, throughStage: 2, amount: 28, unit: 'working_days', cite: 'Timescales for stages 1 and 2: "We would always hope to complete stages 1 and 2 within 28 working days"' },
  ],
  receipt: { outsideTerm: 'as_received' },
  scope: { outOfScope: [], complainants: 'Parents of current pupils ("This policy applies to parents of current pupils").' },
  retention: { years: 3, cite: 'Data protection: "Correspondence, statements and records relating to individual complaints are normally kept for three years after the resolution of the complaint"' },
  choices: [
    { about: 'Stage 3 acknowledgement', choice: 'The Trust office Manager acknowledges the request but the policy gives no time for it, so no acknowledgement deadline is set; the 14 working days to the hearing is the clock.' },
    { about: 'Stage 2 "within 10 working days" times the meeting with the parents', choice: 'Used as the Stage 2 response deadline, because the decision normally follows that meeting and it is the only Stage 2 time limit the policy gives.' },
    { about: 'Complaints about the Chairman of Trustees or the Trust office', choice: 'The policy names no one; the Executive Head Teacher handles them, as the most senior person not complained about.' },
    { about: 'Stage 3 when the complaint is about the Trust office', choice: "The Chairman of Trustees, whom the Trust office notifies of every panel request, takes on the office's duties (convening the hearing, sending papers)." },
    { about: 'Panel findings ("dismiss or uphold")', choice: 'Only upheld and dismissed are offered, as the text says.' },
    { about: 'Stages 1 and 2 target (28 working days)', choice: 'Counted from the first receipt at stage 1 or 2 and met by the Stage 2 decision, or by the case ending earlier.' },
    { about: 'Escalating Stage 1 without a response', choice: 'Allowed once the 10 working days have passed ("If the matter is not resolved within 10 working days ... proceed to Stage 2").' },
  ],
  nextSteps: 'The decision of the Panel is final. If you believe the school did not follow its published procedure you may contact the Department for Education (https://form.education.gov.uk/service/Contact_the_Department_for_Education).',
} as const satisfies PolicyInput;
