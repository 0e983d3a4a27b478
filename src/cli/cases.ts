/**
 * `complaints cases list | show` and `complaints export`: what an IT admin (acting as
 * "system") sees of the cases. Overdue is worked out at the moment of asking from the stored
 * deadlines: an open deadline (unmet, its stage current, the case open and not paused) whose due
 * day or instant has passed, never the complainant's own cut-offs.
 */
import { schoolContext } from '../app/caseFlow.js';
import type { CaseRecord, CaseStore, School, SchoolStore, StoredDeadline, StoredEvent } from '../app/ports.js';

export function overdueItems(record: CaseRecord, now: Date): StoredDeadline[] {
  if (record.state.status !== 'open') return [];
  return record.state.deadlines.filter((d) => d.open && d.owner !== 'complainant' && now.getTime() > new Date(d.dueAt).getTime());
}

/** The earliest open deadline not yet overdue. */
export function nextDue(record: CaseRecord, now: Date): StoredDeadline | undefined {
  if (record.state.status !== 'open') return undefined;
  return record.state.deadlines
    .filter((d) => d.open && now.getTime() <= new Date(d.dueAt).getTime())
    .sort((a, b) => new Date(a.dueAt).getTime() - new Date(b.dueAt).getTime())[0];
}

const kindText = (k: string) => k.replace(/_/g, ' ');

function personName(school: School | undefined, id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (id === 'system') return 'system';
  const p = school?.people.find((x) => x.id === id);
  return p ? `${p.name} (${id})` : id;
}

function handlerText(record: CaseRecord, school: School | undefined): string {
  const s = record.state;
  const name = s.handlerId ? (school?.people.find((p) => p.id === s.handlerId)?.name ?? s.handlerId) : undefined;
  if (name) return `${name} (${s.handlerRole})`;
  return s.status === 'open' ? `nobody: needs a ${s.handlerRole}` : s.handlerRole;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export interface ListOptions {
  schoolId?: string;
  handlerId?: string;
  overdue: boolean;
  /** Closed, withdrawn and out-of-scope cases too (otherwise open ones only). */
  all: boolean;
  now: Date;
}

export async function listCases(stores: { cases: CaseStore; schools: SchoolStore }, o: ListOptions): Promise<{ text: string; cases: CaseRecord[] }> {
  const schools = new Map((await stores.schools.list()).map((s) => [s.id, s]));
  let cases = await stores.cases.find({
    ...(o.schoolId !== undefined ? { schoolId: o.schoolId } : {}),
    ...(o.handlerId !== undefined ? { handlerId: o.handlerId } : {}),
    ...(o.all && !o.overdue ? {} : { status: 'open' as const }),
    // Overdue cases have an open deadline due before now, so their earliest one is too: one index range.
    ...(o.overdue ? { dueBefore: o.now } : {}),
  });
  if (o.overdue) cases = cases.filter((c) => overdueItems(c, o.now).length > 0);
  cases.sort((a, b) => a.schoolId.localeCompare(b.schoolId) || a.reference.localeCompare(b.reference));
  if (!cases.length) {
    const what = [o.overdue ? 'overdue' : o.all ? '' : 'open', 'complaints'].filter(Boolean).join(' ');
    const filters = [o.schoolId && `school ${o.schoolId}`, o.handlerId && `handler ${o.handlerId}`].filter(Boolean).join(', ');
    return { text: `No ${what}${filters ? ` for ${filters}` : ''}.\n`, cases };
  }
  const rows = cases.map((c) => {
    const school = schools.get(c.schoolId);
    const next = nextDue(c, o.now);
    const overdue = overdueItems(c, o.now);
    return [
      c.reference,
      String(c.state.stage),
      c.state.status + (c.state.flags.includes('paused') ? ' (paused)' : ''),
      handlerText(c, school),
      next ? `${next.due} ${kindText(next.kind)}` : '-',
      overdue.length ? overdue.map((d) => `${kindText(d.kind)} (due ${d.due})`).join(', ') : '-',
    ];
  });
  const text = table(['reference', 'stage', 'status', 'handler', 'next due', 'overdue'], rows) + `${cases.length} complaint${cases.length === 1 ? '' : 's'} (as at ${o.now.toISOString()})\n`;
  return { text, cases };
}

/** "2026-11-06 09:00" in the school's time zone. */
function localTime(at: Date | string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function deadlineStatus(d: StoredDeadline, overdue: boolean): string {
  if (d.metOn) return d.late ? `met ${d.metOn}, late` : `met ${d.metOn}`;
  if (overdue) return 'OVERDUE';
  if (d.open) return d.owner === 'complainant' ? 'open (the complainant may act until then)' : 'open';
  return d.late ? 'missed (stage moved on)' : 'not needed';
}

function eventText(e: StoredEvent, school: School | undefined): string {
  const bits: string[] = [];
  if (e.stage !== undefined) bits.push(`stage ${e.stage}`);
  if (e.outcome) bits.push(`outcome ${e.outcome}`);
  if (e.hearingOn) bits.push(`hearing on ${e.hearingOn}`);
  if (e.kind) bits.push(`${kindText(e.kind)}${e.due ? ` now due ${e.due}` : ''}`);
  else if (e.due) bits.push(`due ${e.due}`);
  if (e.personId) bits.push(personName(school, e.personId)!);
  if (e.reason) bits.push(`reason: ${e.reason}`);
  return bits.join(', ');
}

function stageName(school: School | undefined, stage: number): string {
  if (!school) return '';
  try {
    const name = schoolContext(school).policy.stages[stage - 1]?.name;
    return name ? ` (${name})` : '';
  } catch {
    return '';
  }
}

export function showCase(record: CaseRecord, school: School | undefined, now: Date): string {
  const tz = (school?.calendar.timezone as string | undefined) ?? 'Europe/London';
  const s = record.state;
  const overdue = new Set(overdueItems(record, now));
  const c = record.complainant;
  const out: string[] = [];
  out.push(`${record.reference}  ${school ? `${school.name} (${school.id})` : record.schoolId}, policy ${record.policyId} ${record.policyVersion}`);
  out.push(`status:     ${s.status}${s.flags.length ? ` (${s.flags.join(', ')})` : ''}${s.closedOn ? `, closed ${s.closedOn}` : ''}${s.outcome ? `, outcome ${s.outcome}` : ''}`);
  out.push(`stage:      ${s.stage}${stageName(school, s.stage)}, received ${s.stageReceivedOn} (complaint first received ${s.receivedOn})`);
  out.push(`handler:    ${handlerText(record, school)}`);
  out.push(`complainant: ${c.name}, ${c.relationship}; prefers ${c.preferredContact}${c.email ? `, ${c.email}` : ''}${c.phone ? `, ${c.phone}` : ''}`);
  const about = [record.about.role, record.about.personName ?? personName(school, record.about.personId)].filter(Boolean).join(': ');
  if (about) out.push(`about:      ${about}`);
  if (record.category) out.push(`category:   ${record.category}`);
  out.push(`summary:    ${record.summary}`);
  if (record.desiredOutcome) out.push(`wants:      ${record.desiredOutcome}`);
  if (record.linkedCases.length) out.push(`linked:     ${record.linkedCases.join(', ')}`);
  if (record.vexatious) out.push(`vexatious:  marked ${localTime(record.vexatious.markedAt, tz)} by ${personName(school, record.vexatious.by)}, review on ${record.vexatious.reviewOn}: ${record.vexatious.reason}`);
  if (s.retainUntil) out.push(`retain until ${s.retainUntil}${record.purgedAt ? `; personal data removed ${localTime(record.purgedAt, tz)}` : ''}`);
  out.push('');
  out.push(`deadlines (as at ${localTime(now, tz)} ${tz}):`);
  if (s.deadlines.length) {
    const rows = s.deadlines.map((d) => [
      String(d.stage),
      kindText(d.kind),
      d.owner === 'complainant' ? 'complainant' : `${d.owner}${d.ownerId ? `: ${school?.people.find((p) => p.id === d.ownerId)?.name ?? d.ownerId}` : ''}`,
      d.due + (d.originalDue ? ` (extended from ${d.originalDue})` : ''),
      deadlineStatus(d, overdue.has(d)),
    ]);
    out.push(table(['stage', 'deadline', 'owed by', 'due', 'status'], rows).replace(/^/gm, '  ').trimEnd());
  } else out.push('  none');
  out.push('');
  out.push(`events (${tz}):`);
  for (const e of record.events) {
    const detail = eventText(e, school);
    out.push(`  ${localTime(e.at, tz)}  ${e.type.replace(/_/g, ' ')}${detail ? `: ${detail}` : ''}  (by ${personName(school, e.by)})`);
  }
  const counts = { pending: 0, sending: 0, sent: 0, failed: 0 };
  for (const o of record.outbox) counts[o.status]++;
  out.push('');
  out.push(`messages and letters: ${counts.sent} sent, ${counts.pending + counts.sending} waiting, ${counts.failed} failed`);
  return out.join('\n') + '\n';
}
