/**
 * MIAG (alternative provision) "Complaints Policy and Recording Sheet", reviewed 08-08-24.
 * Three stages; its only clocks are in hours and weeks; a panel of at least two.
 */
import type { PolicyInput } from '../policy.js';

export const miag = {
  id: 'miag',
  name: 'MIAG Complaints Policy and Recording Sheet',
  organisation: 'MIAG',
  version: '2024-08-08',
  source: 'Complaints Policy and Recording Sheet (persons responsible: Head of ALP, DSL), review date 08-08-24',
  defaults: { region: 'england-and-wales', timezone: 'Europe/London' },
  roles: [
    { id: 'staff', label: 'Member of staff' },
    { id: 'slt', label: 'Senior Leadership Team (SLT)' },
    { id: 'head_of_alp', label: 'Head of ALP' },
    { id: 'director', label: 'Director' },
    { id: 'trustees', label: 'Board of Trustees (Hopson Solicitors)' },
    { id: 'panel', label: 'Complaints panel', subject: false },
  ],
  stages: [
    {
      number: 1,
      name: 'Informal: raise the issue with a member of staff',
      handler: 'staff',
      cite: 'Action Stages 1: "Raise the issue with a member of Staff"',
      routing: [
        { about: ['staff'], handler: 'slt', cite: 'Action Stages: "Staff must report any complaint to SLT"; "SLT are the contact point with responsibility for the operation of the complaints policy"' },
        { about: ['slt'], handler: 'head_of_alp', cite: 'Policy title: persons responsible for policy: Head of ALP; see choices' },
        { about: ['head_of_alp', 'trustees'], handler: 'director', cite: 'see choices' },
        { about: ['director'], handler: 'trustees', cite: 'Action Stages 5: "Complaint against the Director. The board of Trustees (Hopson Solicitors) will meet with MIAG manager to discuss independently"' },
      ],
      clocks: [
        { kind: 'acknowledge', amount: 24, unit: 'hours', from: 'stage_received', cite: 'Action Stages: "Staff must report any complaint to SLT An initial response/acknowledgement will be made within 24 hours"; Time scale: "Stage 1 24 hours"' },
      ],
      outcomes: ['resolved', 'upheld', 'partially_upheld', 'not_upheld'],
    },
    {
      number: 2,
      name: 'SLT response: formal investigation',
      handler: 'slt',
      cite: 'Action Stages 4: "SLT Response. Raise the issue with SLT- formal investigation"',
      routing: [
        { about: ['slt'], handler: 'head_of_alp', cite: 'see choices' },
        { about: ['head_of_alp', 'trustees'], handler: 'director', cite: 'see choices' },
        { about: ['director'], handler: 'trustees', cite: 'Action Stages 5: "Complaint against the Director. The board of Trustees (Hopson Solicitors) will meet with MIAG manager to discuss independently"' },
      ],
      clocks: [
        { kind: 'acknowledge', amount: 24, unit: 'hours', from: 'stage_received', cite: 'Time scale for the management of a complaint: "Stage 2 24 hours"; Action Stages 4: "This process will be undertaken in no less than 24 hours"' },
      ],
      outcomes: ['resolved', 'upheld', 'partially_upheld', 'not_upheld'],
    },
    {
      number: 3,
      name: 'Complaint heard by Complaints Panel',
      handler: 'panel',
      cite: 'Action Stages 6: "If the matter remains unresolved following stages 1 and 2 then the complaint will be heard by a Complaints Panel set up by Head of ALP"',
      panel: {
        minMembers: 2,
        independentMembers: 0,
        selection: 'appointed',
        excludeInvolved: true,
        cite: 'Action Stages 6: "The panel will consist of at least 2 people who were not directly involved in the matters detailed in the complaint"',
      },
      clocks: [
        { kind: 'panel_decision', amount: 4, unit: 'weeks', from: 'stage_received', owner: 'panel', cite: 'Time scale: "Stage 3 1-4 weeks"; Action Stages 6: "This is likely to take 4 to 6 weeks in practice"', note: 'The written timescale (4 weeks) is the deadline; the "4 to 6 weeks in practice" is treated as a warning, not the limit.' },
      ],
      outcomes: ['upheld', 'partially_upheld', 'dismissed'],
    },
  ],
  receipt: { outsideTerm: 'as_received' },
  scope: { outOfScope: [], complainants: 'Parents, staff, pupils or other interested parties.' },
  retention: { years: 6, cite: 'The policy sets no retention period ("Written records will be kept of all complaints"); see choices' },
  choices: [
    { about: 'Stage 1 and Stage 2 "24 hours"', choice: 'The initial response/acknowledgement is due 24 elapsed hours after receipt (nights and weekends included, as the text sets no working hours). No written response deadline is set for these stages because the policy gives none.' },
    { about: 'Stage 3 "1-4 weeks" and "4 to 6 weeks in practice"', choice: 'The panel must meet and report within 4 weeks of the request, the limit in the timescale table.' },
    { about: 'Complaints about SLT, the Head of ALP or the Trustees', choice: 'The policy names only the Director\'s route. SLT complaints go to the Head of ALP (responsible for the policy); the Head of ALP\'s and the Trustees\' to the Director.' },
    { about: 'Retention', choice: 'No period is stated; 6 years from closure is applied (the usual schools records guidance) until the school sets its own.' },
  ],
  nextSteps: 'The panel\'s findings and recommendations are final and are available for inspection on MIAG premises.',
} as const satisfies PolicyInput;
