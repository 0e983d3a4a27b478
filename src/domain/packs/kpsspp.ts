/**
 * King's Park Secondary School Parent Partnership (Glasgow) complaints policy and procedure.
 * A voluntary body: two stages, clocks in days and weeks, a subgroup of three members picked
 * at random, and an external investigator when the subgroup cannot decide.
 */
import type { PolicyInput } from '../policy.js';

export const kpsspp = {
  id: 'kpsspp',
  name: 'KPSSPP Complaints policy and procedure',
  organisation: "King's Park Secondary School Parent Partnership",
  version: '2024',
  source: "King's Park Secondary School Parent Partnership Complaints policy and procedure (Receiving Complaints; Stage One; Stage Two; Recording of any complaints)",
  defaults: { region: 'scotland', timezone: 'Europe/London' },
  roles: [
    { id: 'chairperson', label: 'KPSSPP Chairperson' },
    { id: 'vice_chairperson', label: 'Vice-Chairperson' },
    { id: 'member', label: 'KPSSPP member' },
    { id: 'subgroup', label: 'Complaints subgroup (three members picked at random)', subject: false },
    { id: 'external_investigator', label: 'External third-party investigator', subject: false },
  ],
  stages: [
    {
      number: 1,
      name: 'Stage One: investigation by a complaints subgroup',
      handler: 'subgroup',
      cite: 'Stage One: "Three King\'s Park Secondary School Parent Partnership member names will be picked at random (excluding any member mentioned in the complaint) to carry out the investigation"',
      routing: [
        { about: ['chairperson'], handler: 'vice_chairperson', dutiesOnly: true, cite: 'Receiving Complaints: "with an option of mediation from the Chairperson or Vice-Chairperson"; see choices' },
      ],
      panel: {
        minMembers: 3,
        maxMembers: 3,
        independentMembers: 0,
        selection: 'random',
        pool: 'member',
        excludeInvolved: true,
        hearing: false,
        cite: 'Stage One: "Three ... member names will be picked at random (excluding any member mentioned in the complaint) ... These members will be known temporarily as a complaints subgroup"',
      },
      clocks: [
        { kind: 'acknowledge', amount: 5, unit: 'days', from: 'stage_received', owner: 'chairperson', cite: 'Receiving Complaints: "KPSSPP Chairperson will acknowledge receipt of the complaint within five days and advise on the timeframe for investigating complaints (two weeks – see procedure)"' },
        { kind: 'respond', amount: 2, unit: 'weeks', from: 'stage_received', cite: 'Stage One: "Chairperson should inform the complainant by email that we are following the complaints procedure, what will happen next and how long it will take (within 2 weeks)"' },
      ],
      outcomes: ['resolved', 'upheld', 'not_upheld', 'undecided'],
      escalatesOn: ['undecided'],
      complainantMayEscalate: false,
    },
    {
      number: 2,
      name: 'Stage Two: external investigation',
      handler: 'external_investigator',
      cite: 'Stage two: "an external third party would be asked to investigate"; "Stage two is the final stage of the complaints process"',
      clocks: [
        { kind: 'respond', amount: 4, unit: 'weeks', from: 'stage_received', cite: 'Stage two: "If a complaint is raised to stage two, the complainant should be notified. Timescale for this would be 4 weeks"' },
      ],
      outcomes: ['upheld', 'not_upheld', 'undecided'],
    },
  ],
  receipt: { outsideTerm: 'as_received' },
  scope: { outOfScope: [], complainants: 'Any individual, volunteer or organisation with a legitimate interest in KPSSPP, including the Parent Forum and the general public; complaints are submitted by email or in writing.' },
  retention: { years: 1, cite: 'Recording of any complaints: "stored in KPSSPP\'s Google Drive for up to one year after the complaint"' },
  choices: [
    { about: '"within five days" and "two weeks"', choice: 'Calendar days and weeks: KPSSPP is a voluntary body with no school calendar, and the text does not say school or working days.' },
    { about: 'When a subgroup cannot decide', choice: 'Recording the Stage One outcome "undecided" raises the complaint to Stage Two straight away ("the complaint would be raised to stage two"), counting 4 weeks from that day.' },
    { about: 'Stage One outcomes upheld, not upheld or resolved', choice: 'They end the complaint: Stage Two is only for a complaint the subgroup cannot decide ("unable to recommend a resolution or final decision"), so the complainant cannot ask for it.' },
    { about: 'A complaint about the Chairperson', choice: "The Vice-Chairperson takes the Chairperson's part (acknowledging, notifying the outcome), as the only other office the policy names." },
    { about: '"up to one year after the complaint"', choice: 'Counted from the closure of the complaint, the latest reading, so nothing is purged while the complaint could still be referred to.' },
    { about: 'Stage Two acknowledgement', choice: 'The complainant "should be notified" when the complaint is raised to Stage Two but no time is given, so no acknowledgement deadline is set.' },
  ],
  nextSteps: 'Stage Two is the final stage of the KPSSPP complaints process. Concerns about the school itself can be raised with Glasgow City Council Education Services; a complaint about a council service that has completed the council\'s procedure can go to the Scottish Public Services Ombudsman (SPSO).',
} as const satisfies PolicyInput;
