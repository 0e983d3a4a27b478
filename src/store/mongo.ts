/**
 * CaseStore and SchoolStore on MongoDB through mongoose. Every change to a case is one
 * conditional update on `{ _id, version }`; nothing here needs multi-document transactions or
 * change streams, so the same code runs on the embedded server and on MongoDB 7/8 or Atlas.
 */
import mongoose, { Schema, type Connection } from 'mongoose';
import type { Collection } from 'mongodb';
import { AppError } from '../app/errors.js';
import { claimable, completed } from '../app/memory.js';
import type { CaseChange, CaseQuery, CaseRecord, CaseStateRecord, CaseStore, OutboxItem, School, SchoolStore } from '../app/ports.js';

const outboxSchema = new Schema(
  {
    key: { type: String, required: true },
    kind: { type: String, required: true },
    to: { type: String, required: true },
    template: { type: String, required: true },
    data: { type: Schema.Types.Mixed, default: {} },
    status: { type: String, required: true },
    createdAt: { type: Date, required: true },
    attempts: { type: Number, default: 0 },
    claimedAt: Date,
    sentAt: Date,
    error: String,
    /** A letter held for its author to preview: not claimed before this instant. */
    holdUntil: Date,
  },
  { _id: false, minimize: false },
);

const deadlineSchema = new Schema(
  { stage: Number, kind: String, owner: String, ownerId: String, due: String, dueAt: Date, metOn: String, late: Boolean, open: Boolean, originalDue: String },
  { _id: false },
);

const stateSchema = new Schema(
  {
    status: { type: String, required: true },
    stage: { type: Number, required: true },
    handlerRole: String,
    handlerId: String,
    receivedOn: String,
    stageReceivedOn: String,
    closedOn: String,
    outcome: String,
    retainUntil: String,
    flags: [String],
    deadlines: [deadlineSchema],
    nextDueAt: Date,
  },
  { _id: false },
);

const caseSchema = new Schema(
  {
    _id: { type: String, required: true },
    schoolId: { type: String, required: true },
    reference: { type: String, required: true },
    policyId: { type: String, required: true },
    policyVersion: { type: String, required: true },
    complainant: { type: Schema.Types.Mixed, required: true },
    /** Normalised email, phone digits and name: how a complainant's earlier cases are found. */
    complainantKeys: [String],
    about: { type: Schema.Types.Mixed, default: {} },
    category: String,
    summary: String,
    desiredOutcome: String,
    incidentOn: String,
    lookedAfterChild: Boolean,
    attachments: { type: [Schema.Types.Mixed], default: [] },
    events: { type: [Schema.Types.Mixed], default: [] },
    state: { type: stateSchema, required: true },
    outbox: { type: [outboxSchema], default: [] },
    nudges: { type: [String], default: [] },
    linkedCases: { type: [String], default: [] },
    vexatious: Schema.Types.Mixed,
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    purgedAt: Date,
  },
  { collection: 'cases', versionKey: false, minimize: false },
);
caseSchema.index({ schoolId: 1, reference: 1 }, { unique: true });
// Serves every conditional update on { _id, version }: the embedded server only uses an index whose
// fields are exactly the query's (13 ms a scan at 40,000 cases, 1.3 ms with it); harmless on MongoDB.
caseSchema.index({ _id: 1, version: 1 }, { unique: true });
caseSchema.index({ reference: 1 });
caseSchema.index({ 'state.handlerId': 1, 'state.status': 1 }); // open cases by handler
caseSchema.index({ 'state.deadlines.ownerId': 1, 'state.status': 1 }); // what a person owes
caseSchema.index({ schoolId: 1, 'state.status': 1, 'state.nextDueAt': 1 }); // overdue by school; due in the next N days
caseSchema.index({ 'state.nextDueAt': 1 }); // the deadline sweep across schools
caseSchema.index({ schoolId: 1, complainantKeys: 1, createdAt: 1 });
caseSchema.index({ 'state.retainUntil': 1 });
caseSchema.index({ 'outbox.status': 1 });

const schoolSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    policyId: { type: String, required: true },
    customPolicy: Schema.Types.Mixed,
    referencePrefix: { type: String, required: true },
    calendar: { type: Schema.Types.Mixed, required: true },
    people: {
      type: [
        new Schema(
          {
            id: String,
            name: String,
            email: String,
            roles: [String],
            // Set by the directory.check job when their account is disabled or deleted.
            left: {
              type: new Schema({ on: String, reason: { type: String, enum: ['disabled', 'deleted'] }, managerName: String }, { _id: false }),
              required: false,
            },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    outbox: { type: [outboxSchema], default: [] },
    digests: { type: [String], default: [] },
    version: { type: Number, default: 1 },
  },
  { collection: 'schools', versionKey: false, minimize: false },
);
schoolSchema.index({ 'outbox.status': 1 });

const counterSchema = new Schema({ _id: String, seq: Number }, { collection: 'counters', versionKey: false });

export interface Database {
  connection: Connection;
  cases: MongoCaseStore;
  schools: MongoSchoolStore;
  close(): Promise<void>;
}

/** Connects and creates the indexes the models declare. Commands fail fast while the database is down (no buffering). */
export async function connectDatabase(uri: string, opts: { serverSelectionTimeoutMS?: number } = {}): Promise<Database> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 5000, bufferCommands: false, autoIndex: false, autoCreate: false });
  try {
    await connection.asPromise();
  } catch (e) {
    throw unavailable(e);
  }
  const CaseModel = connection.model('Case', caseSchema);
  const SchoolModel = connection.model('School', schoolSchema);
  const CounterModel = connection.model('Counter', counterSchema);
  await Promise.all([CaseModel.createIndexes(), SchoolModel.createIndexes()]);
  return {
    connection,
    cases: new MongoCaseStore(CaseModel.collection as unknown as Docs, CounterModel.collection as unknown as Docs),
    schools: new MongoSchoolStore(SchoolModel.collection as unknown as Docs),
    close: () => connection.close(),
  };
}

const NETWORK_ERRORS = /MongoNetwork|MongoServerSelection|MongoNotConnected|PoolClosed|Topology|ECONNREFUSED|connection .* closed/i;

function unavailable(e: unknown): AppError {
  const err = e as Error;
  return new AppError('DATABASE_UNAVAILABLE', 'The complaints database cannot be reached just now, so nothing was saved. Please try again in a few minutes.', `database unavailable: ${err.name}: ${err.message}`);
}

/** Driver network failures become DATABASE_UNAVAILABLE; everything else passes through. */
async function db<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const err = e as Error;
    if (err && (NETWORK_ERRORS.test(err.name) || NETWORK_ERRORS.test(err.message))) throw unavailable(e);
    throw e;
  }
}

function complainantKeys(c: CaseRecord['complainant'] | { name: string; email?: string; phone?: string }): string[] {
  const keys = [`name:${c.name.trim().toLowerCase()}`];
  if (c.email) keys.push(`email:${c.email.toLowerCase()}`);
  const digits = c.phone?.replace(/\D/g, '');
  if (digits) keys.push(`phone:${digits}`);
  return keys;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = { _id: string } & Record<string, any>;
type Docs = Collection<Doc>;
// The driver's $push typing cannot see fields of an open record type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Push = any;

function toCase(doc: Doc | null): CaseRecord | null {
  if (!doc) return null;
  const { _id, complainantKeys: _k, ...rest } = doc;
  return { id: _id, ...rest } as unknown as CaseRecord;
}

export class MongoCaseStore implements CaseStore {
  constructor(
    private readonly model: Docs,
    private readonly counters: Docs,
  ) {}

  insert(record: CaseRecord): Promise<void> {
    const { id, ...rest } = record;
    return db(async () => {
      try {
        await this.model.insertOne({ _id: id, ...rest, complainantKeys: complainantKeys(record.complainant) });
      } catch (e) {
        if ((e as { code?: number }).code === 11000) throw new AppError('INVALID_INPUT', `reference ${record.reference} is already taken`, `duplicate key inserting case ${id}`);
        throw e;
      }
    });
  }

  get(id: string) {
    return db(async () => toCase(await this.model.findOne({ _id: id }) as Doc | null));
  }

  getByReference(reference: string, schoolId?: string) {
    return db(async () => toCase(await this.model.findOne({ reference: reference.toUpperCase(), ...(schoolId === undefined ? {} : { schoolId }) }) as Doc | null));
  }

  update(id: string, expectedVersion: number, change: CaseChange): Promise<CaseRecord> {
    return db(async () => {
      const doc = await this.model.findOneAndUpdate(
        { _id: id, version: expectedVersion },
        {
          $push: { events: { $each: change.events }, outbox: { $each: change.outbox } } as Push,
          $set: { state: change.state, updatedAt: new Date(), ...(change.set ?? {}) },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      );
      if (!doc) {
        const current = await this.model.findOne({ _id: id }, { projection: { version: 1, reference: 1 } });
        throw new AppError(
          'VERSION_CONFLICT',
          `This complaint${current ? ` (${current.reference})` : ''} was changed by someone else a moment ago. Reload it and try again.`,
          `version conflict on ${id}: expected ${expectedVersion}, found ${current?.version ?? 'no case'}`,
        );
      }
      return toCase(doc as Doc)!;
    });
  }

  replaceState(id: string, expectedVersion: number, state: CaseStateRecord) {
    return db(async () => (await this.model.updateOne({ _id: id, version: expectedVersion }, { $set: { state }, $inc: { version: 1 } })).modifiedCount === 1);
  }

  find(q: CaseQuery) {
    const filter: Record<string, unknown> = {};
    if (q.schoolId !== undefined) filter.schoolId = q.schoolId;
    if (q.status !== undefined) filter['state.status'] = q.status;
    if (q.handlerId !== undefined) filter['state.handlerId'] = q.handlerId;
    if (q.responsibleId !== undefined) filter.$or = [{ 'state.handlerId': q.responsibleId }, { 'state.deadlines.ownerId': q.responsibleId }];
    if (q.dueBefore !== undefined || q.dueAfter !== undefined) {
      filter['state.nextDueAt'] = { ...(q.dueBefore ? { $lt: q.dueBefore } : {}), ...(q.dueAfter ? { $gte: q.dueAfter } : {}) };
    }
    return db(async () => {
      let cursor = this.model.find(filter).sort({ 'state.nextDueAt': 1, reference: 1 });
      if (q.limit) cursor = cursor.limit(q.limit);
      return (await cursor.toArray()).map((d) => toCase(d as Doc)!);
    });
  }

  /**
   * Compare-and-set on a counter document: read n, write n + 1 only if it is still n. (A plain
   * `$inc` with returnDocument "after" can hand two callers the same number on the embedded
   * server, which the contract test caught; this is correct on any MongoDB.)
   */
  nextSequence(schoolId: string, year: number) {
    const _id = `${schoolId}:${year}`;
    return db(async () => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const doc = await this.counters.findOne({ _id });
        if (!doc) {
          try {
            await this.counters.insertOne({ _id, seq: 1 });
            return 1;
          } catch (e) {
            if ((e as { code?: number }).code === 11000) continue;
            throw e;
          }
        }
        const next = (doc.seq as number) + 1;
        if ((await this.counters.updateOne({ _id, seq: doc.seq }, { $set: { seq: next } })).modifiedCount === 1) return next;
      }
      throw new AppError('DATABASE_UNAVAILABLE', 'The complaints database is too busy to number this complaint just now. Please try again.', `reference counter ${_id}: 100 lost races`);
    });
  }

  findByComplainant(schoolId: string, key: { name: string; email?: string; phone?: string }, since: Date) {
    return db(async () => (await this.model.find({ schoolId, complainantKeys: { $in: complainantKeys(key) }, createdAt: { $gte: since } }).toArray()).map((d) => toCase(d as Doc)!));
  }

  claimNudge(id: string, key: string, item: OutboxItem) {
    return db(async () => (await this.model.updateOne({ _id: id, nudges: { $ne: key } }, { $push: { nudges: key, outbox: item } as Push })).modifiedCount === 1);
  }

  claimOutbox(now: Date, staleBefore: Date, limit: number) {
    return claimFrom(this.model, now, staleBefore, limit).then((items) => items.map(({ id, item }) => ({ caseId: id, item })));
  }

  completeOutbox(caseId: string, key: string, result: { sentAt: Date } | { error: string; retry: boolean }) {
    return completeIn(this.model, caseId, key, result);
  }

  /** One conditional update: the letter must still be pending (a claimed or sent one is never changed). */
  releaseLetter(id: string, key: string, change: Parameters<CaseStore['releaseLetter']>[2]) {
    const set: Record<string, unknown> = { updatedAt: new Date() };
    if (change.text !== undefined) {
      set['outbox.$[o].data.editedText'] = change.text;
      if (change.editedBy) set['outbox.$[o].data.editedBy'] = change.editedBy;
      set['outbox.$[o].data.editedAt'] = change.at;
    }
    return db(async () => {
      const r = await this.model.updateOne(
        { _id: id, ...(change.expectedVersion !== undefined ? { version: change.expectedVersion } : {}), outbox: { $elemMatch: { key, kind: 'letter', status: 'pending' } } },
        { $set: set, $unset: { 'outbox.$[o].holdUntil': '' }, ...(change.event ? { $push: { events: change.event } as Push } : {}), $inc: { version: 1 } },
        { arrayFilters: [{ 'o.key': key }] },
      );
      return r.modifiedCount === 1;
    });
  }

  findExpired(today: string, limit: number) {
    return db(async () => (await this.model.find({ purgedAt: { $exists: false }, 'state.retainUntil': { $lte: today } }).limit(limit).toArray()).map((d) => toCase(d as Doc)!));
  }

  anonymise(id: string, at: Date, redacted: Parameters<CaseStore['anonymise']>[2]) {
    return db(async () => {
      await this.model.updateOne({ _id: id, purgedAt: { $exists: false } }, { $set: { ...redacted, complainantKeys: [], purgedAt: at }, $unset: { vexatious: '' }, $inc: { version: 1 } });
    });
  }
}

/** Claims claimable outbox items one by one with a conditional update, so two workers never take the same item. */
async function claimFrom(model: Docs, now: Date, staleBefore: Date, limit: number): Promise<Array<{ id: string; item: OutboxItem }>> {
  return db(async () => {
    const docs = await model
      .find(
        {
          $or: [
            // Not documents whose only pending items are letters held for review: they would fill the batch and starve the rest.
            { outbox: { $elemMatch: { status: 'pending', $or: [{ holdUntil: null }, { holdUntil: { $lte: now } }] } } },
            { outbox: { $elemMatch: { status: 'sending', claimedAt: { $lt: staleBefore } } } },
          ],
        },
        { projection: { outbox: 1 } },
      )
      .limit(limit)
      .toArray();
    const out: Array<{ id: string; item: OutboxItem }> = [];
    for (const doc of docs) {
      for (const item of (doc.outbox ?? []) as OutboxItem[]) {
        if (out.length >= limit) return out;
        if (!claimable(item, staleBefore, now)) continue;
        // The guard (still this status and attempt count) is in the query; the element is picked by
        // its unique key through arrayFilters. Not `$elemMatch` with "$": the embedded server cannot
        // resolve that positional operator, and re-checks array filters field by field as it sets them.
        const guard = { key: item.key, status: item.status, attempts: item.attempts, ...(item.status === 'sending' ? { claimedAt: item.claimedAt } : {}) };
        const r = await model.updateOne(
          { _id: doc._id, outbox: { $elemMatch: guard } },
          { $set: { 'outbox.$[o].status': 'sending', 'outbox.$[o].claimedAt': now, 'outbox.$[o].attempts': item.attempts + 1 } },
          { arrayFilters: [{ 'o.key': item.key }] },
        );
        if (r.modifiedCount === 1) out.push({ id: doc._id as string, item: { ...item, status: 'sending', claimedAt: now, attempts: item.attempts + 1 } });
      }
    }
    return out;
  });
}

async function completeIn(model: Docs, id: string, key: string, result: { sentAt: Date } | { error: string; retry: boolean }): Promise<void> {
  return db(async () => {
    const doc = await model.findOne({ _id: id }, { projection: { outbox: 1 } });
    const item = ((doc?.outbox ?? []) as OutboxItem[]).find((o) => o.key === key);
    if (!item) return;
    await model.updateOne({ _id: id, 'outbox.key': key }, { $set: { 'outbox.$': completed(item, result) } });
  });
}

function toSchool(doc: Doc | null): School | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return { id: _id, ...rest } as unknown as School;
}

export class MongoSchoolStore implements SchoolStore {
  constructor(private readonly model: Docs) {}

  get(id: string) {
    return db(async () => toSchool(await this.model.findOne({ _id: id }) as Doc | null));
  }

  list() {
    return db(async () => (await this.model.find({}).sort({ _id: 1 }).toArray()).map((d) => toSchool(d as Doc)!));
  }

  save(school: Omit<School, 'outbox' | 'digests' | 'version'>) {
    // Only the setup is replaced; the outbox, digests and version belong to the store.
    const { id, outbox: _o, digests: _d, version: _v, ...setup } = school as School;
    return db(async () => {
      const doc = await this.model.findOneAndUpdate(
        { _id: id },
        { $set: { ...setup, customPolicy: setup.customPolicy ?? null }, $inc: { version: 1 }, $setOnInsert: { outbox: [], digests: [] } },
        { upsert: true, returnDocument: 'after' },
      );
      const saved = toSchool(doc as Doc)!;
      if (saved.customPolicy === null) delete saved.customPolicy;
      return saved;
    });
  }

  claimDigest(id: string, date: string, item: OutboxItem) {
    return db(async () => (await this.model.updateOne({ _id: id, digests: { $ne: date } }, { $push: { digests: date, outbox: item } as Push })).modifiedCount === 1);
  }

  claimOutbox(now: Date, staleBefore: Date, limit: number) {
    return claimFrom(this.model, now, staleBefore, limit).then((items) => items.map(({ id, item }) => ({ schoolId: id, item })));
  }

  completeOutbox(schoolId: string, key: string, result: { sentAt: Date } | { error: string; retry: boolean }) {
    return completeIn(this.model, schoolId, key, result);
  }
}
