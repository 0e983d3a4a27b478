/**
 * In-memory CaseStore and SchoolStore with the same contract as the MongoDB ones (the contract
 * suite in test/store runs against both). Copies go in and out, as they would over the wire.
 */
import { AppError } from './errors.js';
import type { CaseChange, CaseQuery, CaseRecord, CaseStateRecord, CaseStore, OutboxItem, School, SchoolStore } from './ports.js';

const copy = <T>(v: T): T => structuredClone(v);

function conflict(id: string, expected: number, found: number | undefined): AppError {
  return new AppError(
    'VERSION_CONFLICT',
    'This complaint was changed by someone else a moment ago. Reload it and try again.',
    `version conflict on ${id}: expected ${expected}, found ${found ?? 'none'}`,
  );
}

export function sameComplainant(c: CaseRecord['complainant'], key: { name: string; email?: string; phone?: string }): boolean {
  const digits = (s?: string) => s?.replace(/\D/g, '') || undefined;
  return (
    (key.email !== undefined && c.email?.toLowerCase() === key.email.toLowerCase()) ||
    (digits(key.phone) !== undefined && digits(c.phone) === digits(key.phone)) ||
    c.name.trim().toLowerCase() === key.name.trim().toLowerCase()
  );
}

/**
 * The outbox items of one document that can be claimed now: pending (and not held for review
 * past `now`), or stuck "sending" since before `staleBefore`.
 */
export function claimable(item: OutboxItem, staleBefore: Date, now: Date): boolean {
  if (item.status === 'pending') return !item.holdUntil || new Date(item.holdUntil).getTime() <= now.getTime();
  return item.status === 'sending' && (item.claimedAt?.getTime() ?? 0) < staleBefore.getTime();
}

export const MAX_ATTEMPTS = 8;

/** Claims claimable items across documents that hold an outbox (cases or schools), up to `limit`. */
function claimIn(docs: Iterable<{ id: string; outbox: OutboxItem[] }>, now: Date, staleBefore: Date, limit: number): Array<{ id: string; item: OutboxItem }> {
  const out: Array<{ id: string; item: OutboxItem }> = [];
  for (const d of docs) {
    for (const [i, item] of d.outbox.entries()) {
      if (out.length >= limit) return out;
      if (!claimable(item, staleBefore, now)) continue;
      const claimed = { ...item, status: 'sending' as const, claimedAt: now, attempts: item.attempts + 1 };
      d.outbox[i] = claimed;
      out.push({ id: d.id, item: copy(claimed) });
    }
  }
  return out;
}

function completeIn(doc: { outbox: OutboxItem[] } | undefined, key: string, result: { sentAt: Date } | { error: string; retry: boolean }): void {
  const i = doc?.outbox.findIndex((o) => o.key === key) ?? -1;
  if (doc && i >= 0) doc.outbox[i] = completed(doc.outbox[i]!, result);
}

export function completed(item: OutboxItem, result: { sentAt: Date } | { error: string; retry: boolean }): OutboxItem {
  if ('sentAt' in result) return { ...item, status: 'sent', sentAt: result.sentAt };
  return { ...item, status: result.retry && item.attempts < MAX_ATTEMPTS ? 'pending' : 'failed', error: result.error };
}

export class MemoryCaseStore implements CaseStore {
  readonly cases = new Map<string, CaseRecord>();
  private readonly sequences = new Map<string, number>();

  async insert(record: CaseRecord): Promise<void> {
    if ([...this.cases.values()].some((c) => c.schoolId === record.schoolId && c.reference === record.reference))
      throw new AppError('INVALID_INPUT', `reference ${record.reference} is taken`, 'duplicate reference');
    this.cases.set(record.id, copy(record));
  }

  async get(id: string): Promise<CaseRecord | null> {
    const c = this.cases.get(id);
    return c ? copy(c) : null;
  }

  async getByReference(reference: string, schoolId?: string): Promise<CaseRecord | null> {
    const c = [...this.cases.values()].find((x) => x.reference === reference.toUpperCase() && (schoolId === undefined || x.schoolId === schoolId));
    return c ? copy(c) : null;
  }

  async update(id: string, expectedVersion: number, change: CaseChange): Promise<CaseRecord> {
    const c = this.cases.get(id);
    if (!c || c.version !== expectedVersion) throw conflict(id, expectedVersion, c?.version);
    const next: CaseRecord = {
      ...c,
      ...copy(change.set ?? {}),
      events: [...c.events, ...copy(change.events)],
      state: copy(change.state),
      outbox: [...c.outbox, ...copy(change.outbox)],
      version: c.version + 1,
      updatedAt: new Date(),
    };
    this.cases.set(id, next);
    return copy(next);
  }

  async replaceState(id: string, expectedVersion: number, state: CaseStateRecord): Promise<boolean> {
    const c = this.cases.get(id);
    if (!c || c.version !== expectedVersion) return false;
    this.cases.set(id, { ...c, state: copy(state), version: c.version + 1 });
    return true;
  }

  async find(q: CaseQuery): Promise<CaseRecord[]> {
    const out = [...this.cases.values()].filter(
      (c) =>
        (q.schoolId === undefined || c.schoolId === q.schoolId) &&
        (q.status === undefined || c.state.status === q.status) &&
        (q.handlerId === undefined || c.state.handlerId === q.handlerId) &&
        (q.responsibleId === undefined || c.state.handlerId === q.responsibleId || c.state.deadlines.some((d) => d.ownerId === q.responsibleId)) &&
        (q.dueBefore === undefined || (c.state.nextDueAt !== null && c.state.nextDueAt < q.dueBefore)) &&
        (q.dueAfter === undefined || (c.state.nextDueAt !== null && c.state.nextDueAt >= q.dueAfter)),
    );
    out.sort((a, b) => (a.state.nextDueAt?.getTime() ?? Infinity) - (b.state.nextDueAt?.getTime() ?? Infinity) || a.reference.localeCompare(b.reference));
    return copy(out.slice(0, q.limit ?? out.length));
  }

  async nextSequence(schoolId: string, year: number): Promise<number> {
    const key = `${schoolId}:${year}`;
    const n = (this.sequences.get(key) ?? 0) + 1;
    this.sequences.set(key, n);
    return n;
  }

  async findByComplainant(schoolId: string, key: { name: string; email?: string; phone?: string }, since: Date): Promise<CaseRecord[]> {
    return copy([...this.cases.values()].filter((c) => c.schoolId === schoolId && c.createdAt >= since && sameComplainant(c.complainant, key)));
  }

  async claimNudge(id: string, key: string, item: OutboxItem): Promise<boolean> {
    const c = this.cases.get(id);
    if (!c || c.nudges.includes(key)) return false;
    this.cases.set(id, { ...c, nudges: [...c.nudges, key], outbox: [...c.outbox, copy(item)] });
    return true;
  }

  async claimOutbox(now: Date, staleBefore: Date, limit: number) {
    return claimIn(this.cases.values(), now, staleBefore, limit).map(({ id, item }) => ({ caseId: id, item }));
  }

  async completeOutbox(caseId: string, key: string, result: { sentAt: Date } | { error: string; retry: boolean }) {
    completeIn(this.cases.get(caseId), key, result);
  }

  async releaseLetter(id: string, key: string, change: Parameters<CaseStore['releaseLetter']>[2]): Promise<boolean> {
    const c = this.cases.get(id);
    if (!c || (change.expectedVersion !== undefined && c.version !== change.expectedVersion)) return false;
    const i = c.outbox.findIndex((o) => o.key === key && o.kind === 'letter' && o.status === 'pending');
    if (i < 0) return false;
    const { holdUntil: _released, ...item } = c.outbox[i]!;
    const edit = change.text !== undefined ? { editedText: change.text, ...(change.editedBy ? { editedBy: change.editedBy } : {}), editedAt: change.at } : {};
    const outbox = [...c.outbox];
    outbox[i] = { ...item, data: { ...item.data, ...copy(edit) } };
    this.cases.set(id, { ...c, outbox, events: change.event ? [...c.events, copy(change.event)] : c.events, version: c.version + 1, updatedAt: new Date() });
    return true;
  }

  async findExpired(today: string, limit: number): Promise<CaseRecord[]> {
    return copy([...this.cases.values()].filter((c) => !c.purgedAt && c.state.retainUntil !== null && c.state.retainUntil <= today).slice(0, limit));
  }

  async anonymise(id: string, at: Date, redacted: Parameters<CaseStore['anonymise']>[2]): Promise<void> {
    const c = this.cases.get(id);
    if (!c || c.purgedAt) return;
    const { vexatious: _reason, ...kept } = c; // its reason is free text about the complainant
    this.cases.set(id, { ...kept, ...copy(redacted), purgedAt: at, version: c.version + 1 });
  }
}

export class MemorySchoolStore implements SchoolStore {
  readonly schools = new Map<string, School>();

  async get(id: string) {
    const s = this.schools.get(id);
    return s ? copy(s) : null;
  }

  async list() {
    return copy([...this.schools.values()]);
  }

  async save(given: Omit<School, 'outbox' | 'digests' | 'version'>): Promise<School> {
    const { outbox: _o, digests: _d, version: _v, ...school } = given as School;
    const old = this.schools.get(school.id);
    const saved: School = { ...copy(school), outbox: old?.outbox ?? [], digests: old?.digests ?? [], version: (old?.version ?? 0) + 1 };
    this.schools.set(school.id, saved);
    return copy(saved);
  }

  async claimDigest(id: string, date: string, item: OutboxItem): Promise<boolean> {
    const s = this.schools.get(id);
    if (!s || s.digests.includes(date)) return false;
    this.schools.set(id, { ...s, digests: [...s.digests, date], outbox: [...s.outbox, copy(item)] });
    return true;
  }

  async claimOutbox(now: Date, staleBefore: Date, limit: number) {
    return claimIn(this.schools.values(), now, staleBefore, limit).map(({ id, item }) => ({ schoolId: id, item }));
  }

  async completeOutbox(schoolId: string, key: string, result: { sentAt: Date } | { error: string; retry: boolean }) {
    completeIn(this.schools.get(schoolId), key, result);
  }
}
