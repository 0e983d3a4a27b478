/** `complaints policy show`: a pack as a clerk would read it, each rule with its citation. */
import type { Clock, Policy } from '../domain/policy.js';

const UNIT_WORDS: Record<Clock['unit'], [string, string]> = {
  school_days: ['school day', 'school days'],
  working_days: ['working day', 'working days'],
  days: ['day', 'days'],
  weeks: ['week', 'weeks'],
  hours: ['hour', 'hours'],
};

const FROM_WORDS: Record<Clock['from'], string> = {
  stage_received: 'of receipt',
  stage_response: 'of the stage response',
  hearing: 'the hearing',
};

export function describeClock(c: Clock): string {
  const [one, many] = UNIT_WORDS[c.unit];
  const amount = `${c.amount} ${c.amount === 1 ? one : many}`;
  if (c.direction === 'before') return `${amount} before the hearing`;
  if (c.from === 'hearing') return `within ${amount} after the hearing`;
  return `within ${amount} ${FROM_WORDS[c.from]}`;
}

export function policyText(p: Policy): string {
  const label = (id: string) => p.roles.find((r) => r.id === id)?.label ?? id;
  const out: string[] = [];
  out.push(`${p.name} [${p.id}] version ${p.version}`);
  out.push(`${p.organisation}; default region ${p.defaults.region}, time zone ${p.defaults.timezone}`);
  out.push(`Source: ${p.source}`);
  if (p.receipt.outsideTerm === 'first_school_day_after') out.push(`Received outside term time: counts from the first school day after the holiday  [${p.receipt.cite ?? ''}]`);
  out.push('');
  out.push('Roles: ' + p.roles.map((r) => `${r.id} (${r.label})`).join('; '));
  for (const s of p.stages) {
    out.push('');
    out.push(`Stage ${s.number}: ${s.name}${s.number === p.stages.length ? ' (final stage)' : ''}`);
    out.push(`  Handled by ${s.handler} (${label(s.handler)})  [${s.cite}]`);
    for (const r of s.routing) {
      const who = r.otherHolder ? `another ${r.handler} not involved` : r.handler;
      out.push(`  If the complaint is about ${r.about.join(' or ')}: ${r.dutiesOnly ? `${who} takes on their duties in this stage` : `handled by ${who}`}  [${r.cite}]`);
    }
    if (s.panel) {
      const pn = s.panel;
      const size = pn.maxMembers === pn.minMembers ? `${pn.minMembers}` : `at least ${pn.minMembers}`;
      out.push(
        `  ${pn.hearing ? 'Panel' : 'Group'}: ${size} members${pn.independentMembers ? `, ${pn.independentMembers} independent of the school` : ''}, ${pn.selection === 'random' ? `picked at random${pn.pool ? ` from ${pn.pool}` : ''}` : 'appointed'}${pn.excludeInvolved ? ', none involved earlier or named in the complaint' : ''}  [${pn.cite}]`,
      );
      if (pn.proposedDates) out.push(`  Proposed dates: unanswered after ${pn.proposedDates.answerWithin} ${UNIT_WORDS[pn.proposedDates.unit][1]} counts as rejected; after ${pn.proposedDates.rejectionsBeforeProceeding} rejections the hearing may go ahead  [${pn.proposedDates.cite}]`);
    }
    for (const c of s.clocks) {
      out.push(`  ${c.kind.padEnd(18)} ${describeClock(c).padEnd(40)} owed by ${c.owner ?? s.handler}  [${c.cite}]`);
      if (c.note) out.push(`  ${''.padEnd(18)} note: ${c.note}`);
    }
    out.push(`  Outcomes: ${s.outcomes.join(', ')}${s.escalatesOn.length ? `; ${s.escalatesOn.join(', ')} moves it to stage ${s.number + 1}` : ''}`);
  }
  for (const t of p.targets) {
    out.push('');
    out.push(`Target: stages ${t.fromStage} to ${t.throughStage} within ${t.amount} ${UNIT_WORDS[t.unit][1]}  [${t.cite}]`);
  }
  out.push('');
  if (p.scope.timeLimit) out.push(`Time limit: ${p.scope.timeLimit.amount} ${p.scope.timeLimit.unit} from the incident${p.scope.timeLimit.exceptionalCircumstances ? ' (later only in exceptional circumstances)' : ''}  [${p.scope.timeLimit.cite}]`);
  if (p.scope.complainants) out.push(`Who may complain: ${p.scope.complainants}`);
  for (const o of p.scope.outOfScope) out.push(`Out of scope: ${o.category} (${o.label}): ${o.signpost}  [${o.cite}]`);
  out.push(`Retention: ${p.retention.years} years from closure${p.retention.lookedAfterChildYears ? `, ${p.retention.lookedAfterChildYears} years for looked-after children` : ''}  [${p.retention.cite}]`);
  out.push(`Pausing: ${p.pause.allowed ? `allowed  [${p.pause.cite ?? ''}]` : 'not provided for'}`);
  if (p.choices.length) {
    out.push('');
    out.push('Readings taken where the text is ambiguous:');
    for (const c of p.choices) out.push(`  - ${c.about}: ${c.choice}`);
  }
  if (p.nextSteps) {
    out.push('');
    out.push(`After the final stage: ${p.nextSteps}`);
  }
  return out.join('\n') + '\n';
}
