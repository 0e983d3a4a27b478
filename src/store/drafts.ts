/**
 * Drafts of complaints being recorded in Teams: what the person has typed so far, step by step,
 * so that going back keeps it and a conversation left half way can be picked up again. A draft
 * belongs to the person who started it (nobody else can open it) and is kept for 7 days after it
 * was last touched: an expired draft is never returned, and `cleanup` deletes them (the bot runs
 * it now and then; nothing else depends on it running).
 *
 * Drafts hold what a complainant told the school, so they are personal data: kept briefly, in
 * their own collection, and never logged (the log gets the draft id only).
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { AppError } from '../app/errors.js';
import type { Clock } from '../app/ports.js';

export const DRAFT_TTL_MS = 7 * 86_400_000;

export interface Draft {
  id: string;
  /** Directory id of the person recording it. */
  ownerId: string;
  schoolId: string;
  /** The step the person is on (bot/intake.ts names them). */
  step: string;
  /** What was typed, by card field id. */
  values: Record<string, string>;
  /** Anything else the flow keeps between steps (e.g. the possible duplicates it showed). */
  extra: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  /** updatedAt + 7 days: after this the draft is gone. */
  expiresAt: Date;
}

export type NewDraft = Pick<Draft, 'ownerId' | 'schoolId' | 'step'> & Partial<Pick<Draft, 'values' | 'extra'>>;

export interface DraftStore {
  create(draft: NewDraft): Promise<Draft>;
  /** The draft if it exists, belongs to `ownerId` and has not expired; null otherwise. */
  get(id: string, ownerId: string): Promise<Draft | null>;
  /** Saves step, values and extra, and keeps the draft another 7 days. Null if it is gone (expired, deleted, someone else's). */
  save(draft: Pick<Draft, 'id' | 'ownerId' | 'step' | 'values' | 'extra'>): Promise<Draft | null>;
  delete(id: string, ownerId: string): Promise<boolean>;
  /** Deletes expired drafts; returns how many. */
  cleanup(): Promise<number>;
}

const copy = <T>(v: T): T => structuredClone(v);

export class MemoryDraftStore implements DraftStore {
  readonly drafts = new Map<string, Draft>();

  constructor(
    private readonly clock: Clock,
    private readonly newId: () => string = randomUUID,
  ) {}

  private live(d: Draft | undefined, ownerId: string): d is Draft {
    return d !== undefined && d.ownerId === ownerId && d.expiresAt.getTime() > this.clock.now().getTime();
  }

  async create(given: NewDraft): Promise<Draft> {
    const now = this.clock.now();
    const draft: Draft = {
      id: this.newId(),
      ownerId: given.ownerId,
      schoolId: given.schoolId,
      step: given.step,
      values: copy(given.values ?? {}),
      extra: copy(given.extra ?? {}),
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + DRAFT_TTL_MS),
    };
    this.drafts.set(draft.id, draft);
    return copy(draft);
  }

  async get(id: string, ownerId: string): Promise<Draft | null> {
    const d = this.drafts.get(id);
    return this.live(d, ownerId) ? copy(d) : null;
  }

  async save(given: Pick<Draft, 'id' | 'ownerId' | 'step' | 'values' | 'extra'>): Promise<Draft | null> {
    const d = this.drafts.get(given.id);
    if (!this.live(d, given.ownerId)) return null;
    const now = this.clock.now();
    const next: Draft = {
      ...d,
      step: given.step,
      values: copy(given.values),
      extra: copy(given.extra),
      updatedAt: now,
      expiresAt: new Date(now.getTime() + DRAFT_TTL_MS),
    };
    this.drafts.set(d.id, next);
    return copy(next);
  }

  async delete(id: string, ownerId: string): Promise<boolean> {
    const d = this.drafts.get(id);
    if (!d || d.ownerId !== ownerId) return false;
    return this.drafts.delete(id);
  }

  async cleanup(): Promise<number> {
    const now = this.clock.now().getTime();
    let n = 0;
    for (const [id, d] of this.drafts) {
      if (d.expiresAt.getTime() <= now) {
        this.drafts.delete(id);
        n++;
      }
    }
    return n;
  }
}

type DraftDoc = Omit<Draft, 'id'> & { _id: string };

const NETWORK_ERRORS = /MongoNetwork|MongoServerSelection|MongoNotConnected|PoolClosed|Topology|ECONNREFUSED|connection .* closed/i;

async function db<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const err = e as Error;
    if (err && (NETWORK_ERRORS.test(err.name) || NETWORK_ERRORS.test(err.message))) {
      throw new AppError(
        'DATABASE_UNAVAILABLE',
        'The complaints database cannot be reached just now, so nothing was saved. Please try again in a few minutes.',
        `database unavailable: ${err.name}: ${err.message}`,
      );
    }
    throw e;
  }
}

function toDraft(doc: DraftDoc | null): Draft | null {
  if (!doc) return null;
  const { _id, ...rest } = doc;
  return { id: _id, ...rest, values: rest.values ?? {}, extra: rest.extra ?? {} };
}

export const DRAFTS = 'drafts';

/** Drafts in their own collection; every read filters out expired ones, so cleanup is tidying, not correctness. */
export class MongoDraftStore implements DraftStore {
  private constructor(
    private readonly docs: Collection<DraftDoc>,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  /** Creates the indexes (idempotent). `database` is the driver's Db, e.g. `connection.db` of src/store/mongo.ts's Database. */
  static async create(database: Db, clock: Clock, newId: () => string = randomUUID): Promise<MongoDraftStore> {
    const docs = database.collection<DraftDoc>(DRAFTS);
    await db(() => Promise.all([docs.createIndex({ _id: 1, ownerId: 1 }, { name: 'id_owner' }), docs.createIndex({ expiresAt: 1 }, { name: 'expires' })]));
    return new MongoDraftStore(docs, clock, newId);
  }

  async create(given: NewDraft): Promise<Draft> {
    const now = this.clock.now();
    const doc: DraftDoc = {
      _id: this.newId(),
      ownerId: given.ownerId,
      schoolId: given.schoolId,
      step: given.step,
      values: given.values ?? {},
      extra: given.extra ?? {},
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + DRAFT_TTL_MS),
    };
    await db(() => this.docs.insertOne(doc));
    return toDraft(doc)!;
  }

  get(id: string, ownerId: string): Promise<Draft | null> {
    return db(async () => toDraft(await this.docs.findOne({ _id: id, ownerId, expiresAt: { $gt: this.clock.now() } })));
  }

  save(given: Pick<Draft, 'id' | 'ownerId' | 'step' | 'values' | 'extra'>): Promise<Draft | null> {
    const now = this.clock.now();
    return db(async () => {
      const r = await this.docs.findOneAndUpdate(
        { _id: given.id, ownerId: given.ownerId, expiresAt: { $gt: now } },
        { $set: { step: given.step, values: given.values, extra: given.extra, updatedAt: now, expiresAt: new Date(now.getTime() + DRAFT_TTL_MS) } },
        { returnDocument: 'after' },
      );
      return toDraft(r);
    });
  }

  delete(id: string, ownerId: string): Promise<boolean> {
    return db(async () => (await this.docs.deleteOne({ _id: id, ownerId })).deletedCount === 1);
  }

  cleanup(): Promise<number> {
    return db(async () => (await this.docs.deleteMany({ expiresAt: { $lte: this.clock.now() } })).deletedCount);
  }
}
