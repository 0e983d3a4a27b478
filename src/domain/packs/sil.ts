/**
 * School Improvement Leicester (a Leicester Primary Partnership project) complaints policy.
 * Two stages, clocks in weeks, a board member not previously involved reviews at Stage Two.
 */
import type { PolicyInput } from '../policy.js';

const aWeek = (cite: string) => ({ kind: 'acknowledge', amount: 1, unit: 'weeks', from: 'stage_received', cite }) as const;
const fourWeeks = (cite: string) => ({ kind: 'respond', amount: 4, unit: 'weeks', from: 'stage_received', cite }) as const;

export const sil = {
  id: 'sil',
  name: 'SIL Complaints Procedure',
  organisation: 'School Improvement Leicester (Leicester Primary Partnership)',
  version: '2024',
  source: 'School Improvement Leicester complaints policy and procedure (Stage One; Stage Two; Variation of the Complaints Procedure)',
  defaults: { region: 'england-and-wales', timezone: 'Europe/London' },
  roles: [
    { id: 'project_lead', label: 'SIL Project Lead' },
    { id: 'school_improvement_partner', label: 'School Improvement Partner' },
    { id: 'lpp_ceo', label: 'LPP CEO' },
    { id: 'lpp_directors', label: 'LPP Directors' },
    { id: 'board_member', label: 'SIL Board member' },
  ],
  stages: [
    {
      number: 1,
      name: 'Stage One: investigation',
      handler: 'project_lead',
      cite: 'Stage One: "On receiving the complaint, the Project Lead records it in the complaints log"',
      routing: [
        { about: ['school_improvement_partner'], handler: 'project_lead', cite: 'Stage One: "If the complaint is against a School Improvement Partner the complaint will be investigated by the Project Lead"' },
        { about: ['project_lead'], handler: 'lpp_ceo', cite: 'Stage One: "If the complaint is against the Project Lead the LPP CEO will investigate the complaint"' },
        { about: ['lpp_ceo'], handler: 'lpp_directors', cite: 'Stage One: "if the complaint is against the LPP CEO the LPP Directors will investigate"' },
        { about: ['lpp_directors'], handler: 'board_member', cite: 'Variation: "The Board may vary the procedure for good reason ... to avoid a conflict of interest"; see choices' },
      ],
      clocks: [
        aWeek('Stage One: "Complaints should be acknowledged by the person handling the complaint within a week. The acknowledgement should say who is dealing with the complaint and when the person complaining can expect a reply"'),
        fourWeeks('Stage One: "Ideally complainants should receive a definitive reply within four weeks"'),
      ],
      outcomes: ['resolved', 'upheld', 'partially_upheld', 'not_upheld'],
    },
    {
      number: 2,
      name: 'Stage Two: review by a SIL Board member',
      handler: 'board_member',
      cite: 'Stage Two: "they can request that the complaint is reviewed by a member of the SIL Board who has not previously been involved"; "The decision taken at this stage is final"',
      routing: [
        { about: ['board_member'], handler: 'board_member', otherHolder: true, cite: 'Variation: "a complaint about the Project Lead or another board member would rule them out of a role in considering a stage two complaint"' },
      ],
      clocks: [
        aWeek('Stage Two: "The request for the Board review should be acknowledged within a week of it being receiving by the investigator"'),
        fourWeeks('Stage Two: "Ideally complainants should receive a definitive reply within four weeks"'),
      ],
      outcomes: ['upheld', 'partially_upheld', 'not_upheld'],
    },
  ],
  receipt: { outsideTerm: 'as_received' },
  scope: {
    outOfScope: [
      { category: 'staff_grievance', label: 'Complaints from staff', signpost: "Staff should use their school's grievance policy.", cite: 'Where Complaints Come From: "This policy does not cover complaints from staff, who should use their school\'s grievance policies"' },
    ],
    complainants: 'Headteachers or the governing body of schools subscribed to SIL, in writing by email or letter.',
  },
  retention: { years: 6, cite: 'The policy sets no retention period; see choices' },
  choices: [
    { about: '"within a week" and "within four weeks"', choice: 'Calendar weeks (7 days) from receipt: SIL works across schools, not to one school\'s calendar.' },
    { about: '"The complaint information should be passed to the Project Lead within one week"', choice: 'Not a deadline the bot tracks: the case is recorded when the Project Lead (or whoever records it) receives it, and the acknowledgement clock starts then.' },
    { about: 'A complaint about the LPP Directors', choice: 'Investigated by a SIL Board member, using the Board\'s power to vary the procedure to avoid a conflict of interest.' },
    { about: 'Retention', choice: 'No period is stated; 6 years from closure is applied (the usual schools records guidance) until SIL sets its own.' },
    { about: 'Escalation to Stage Two', choice: 'The policy sets no time limit for asking for a Board review, so there is no escalation window.' },
  ],
  nextSteps: 'The decision taken at Stage Two is final.',
} as const satisfies PolicyInput;
