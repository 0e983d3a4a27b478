/**
 * Where the bot remembers how to reach each person: the Bot Framework conversation reference of
 * their 1:1 chat with the bot, per person (directory object id) and tenant. Saved when the app is
 * installed for them and on every activity they send (`rememberConversations`, a middleware the
 * server installs), forgotten when they uninstall it, and written by the Teams messenger when it
 * creates a chat with someone the bot has never talked to.
 *
 * Only personal (1:1) conversations are kept: nothing is ever sent to a channel or group chat.
 * A reference holds ids and the service URL, not names or message content.
 *
 * MongoConversationStore keeps them in the `conversationReferences` collection, one document per
 * tenant and person; MemoryConversationStore is the test fake.
 */
import type { Collection, Db } from 'mongodb';
import type { Activity, ConversationReference, MiddlewareHandler } from 'botbuilder';
import type { Log } from '../src/log.js';

export interface StoredConversation {
  /** The person's directory (Entra ID) object id. */
  aadObjectId: string;
  tenantId: string;
  /** Enough to continue the conversation: channel, service URL, conversation, bot and user ids. */
  reference: Partial<ConversationReference>;
  updatedAt: Date;
}

export interface ConversationStore {
  /** Creates or replaces the person's reference in that tenant. */
  save(entry: StoredConversation): Promise<void>;
  /** The person's reference (in `tenantId` if given; otherwise the most recently saved one). */
  get(aadObjectId: string, tenantId?: string): Promise<StoredConversation | null>;
  remove(aadObjectId: string, tenantId: string): Promise<void>;
  /** The most recently saved reference (in `tenantId` if given): where new 1:1 chats start from. */
  latest(tenantId?: string): Promise<StoredConversation | null>;
}

/** Is this reference a 1:1 chat with the bot (the only place the bot writes to)? */
export function isPersonal(reference: Partial<ConversationReference> | undefined): boolean {
  return reference?.conversation?.conversationType === 'personal' && reference.conversation.isGroup !== true;
}

/** The tenant an activity comes from (Teams sends it on the conversation and in channelData). */
export function tenantOf(activity: Partial<Activity>): string | undefined {
  return activity.conversation?.tenantId ?? (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
}

/**
 * The reference to keep for an incoming activity, or null when there is none to keep: not a
 * personal chat, no directory id (a guest or the emulator), or no tenant.
 */
export function conversationOf(activity: Partial<Activity>, at: Date): StoredConversation | null {
  const aadObjectId = activity.from?.aadObjectId;
  const tenantId = tenantOf(activity);
  const conversation = activity.conversation;
  if (!aadObjectId || !tenantId || !conversation?.id || !activity.serviceUrl || !activity.recipient) return null;
  if (conversation.conversationType !== 'personal' || conversation.isGroup === true) return null;
  const reference: Partial<ConversationReference> = {
    channelId: activity.channelId ?? 'msteams',
    serviceUrl: activity.serviceUrl,
    conversation: { id: conversation.id, conversationType: 'personal', tenantId, isGroup: false, name: '' },
    bot: { id: activity.recipient.id, name: activity.recipient.name ?? '' },
    user: { id: activity.from!.id, name: '', aadObjectId },
    ...(activity.locale ? { locale: activity.locale } : {}),
  };
  return { aadObjectId, tenantId, reference, updatedAt: at };
}

/** Did this activity tell the bot it was removed from the person's chat (app uninstalled)? */
function isRemoval(activity: Partial<Activity>): boolean {
  if (activity.type === 'installationUpdate') return typeof activity.action === 'string' && activity.action.startsWith('remove');
  if (activity.type === 'conversationUpdate') return (activity.membersRemoved ?? []).some((m) => m.id === activity.recipient?.id);
  return false;
}

/**
 * Middleware: keeps the sender's reference on install and on every activity from them in a 1:1
 * chat, and forgets it when they uninstall the app. The save runs beside the turn; a failure is
 * logged and does not fail the turn (the next activity saves it again).
 */
export function rememberConversations(store: ConversationStore, log: Log, now: () => Date = () => new Date()): MiddlewareHandler {
  return async (context, next) => {
    const activity = context.activity;
    let work: Promise<void> | undefined;
    const ids = { aadObjectId: activity.from?.aadObjectId, tenantId: tenantOf(activity), conversationId: activity.conversation?.id };
    if (isRemoval(activity)) {
      if (ids.aadObjectId && ids.tenantId && activity.conversation?.conversationType === 'personal') {
        work = store.remove(ids.aadObjectId, ids.tenantId).then(
          () => log.info({ event: 'conversation_forgotten', ...ids }, 'app removed from a personal chat: its reference is forgotten'),
          (e) => log.error({ event: 'conversation_forget_failed', ...ids, err: e }, 'could not forget a conversation reference'),
        );
      }
    } else {
      const entry = conversationOf(activity, now());
      if (entry)
        work = store.save(entry).catch((e) => log.error({ event: 'conversation_save_failed', ...ids, err: e }, 'could not save a conversation reference'));
    }
    try {
      await next();
    } finally {
      await work;
    }
  };
}

// ---------------------------------------------------------------------------------------------

export class MemoryConversationStore implements ConversationStore {
  readonly entries = new Map<string, StoredConversation>();

  async save(entry: StoredConversation): Promise<void> {
    this.entries.set(`${entry.tenantId}|${entry.aadObjectId}`, structuredClone(entry));
  }

  async get(aadObjectId: string, tenantId?: string): Promise<StoredConversation | null> {
    const found = [...this.entries.values()].filter((e) => e.aadObjectId === aadObjectId && (tenantId === undefined || e.tenantId === tenantId));
    return newest(found);
  }

  async remove(aadObjectId: string, tenantId: string): Promise<void> {
    this.entries.delete(`${tenantId}|${aadObjectId}`);
  }

  async latest(tenantId?: string): Promise<StoredConversation | null> {
    return newest([...this.entries.values()].filter((e) => tenantId === undefined || e.tenantId === tenantId));
  }
}

function newest(list: StoredConversation[]): StoredConversation | null {
  const best = list.reduce<StoredConversation | undefined>((a, b) => (!a || b.updatedAt.getTime() >= a.updatedAt.getTime() ? b : a), undefined);
  return best ? structuredClone(best) : null;
}

export const CONVERSATION_REFERENCES = 'conversationReferences';

interface ConversationDoc {
  _id: string;
  aadObjectId: string;
  tenantId: string;
  reference: Partial<ConversationReference>;
  updatedAt: Date;
}

export class MongoConversationStore implements ConversationStore {
  private constructor(private readonly docs: Collection<ConversationDoc>) {}

  /** Creates the indexes (idempotent) and returns the store. */
  static async create(db: Db): Promise<MongoConversationStore> {
    const docs = db.collection<ConversationDoc>(CONVERSATION_REFERENCES);
    await docs.createIndex({ aadObjectId: 1, updatedAt: -1 }, { name: 'person_recent' });
    await docs.createIndex({ tenantId: 1, updatedAt: -1 }, { name: 'tenant_recent' });
    await docs.createIndex({ updatedAt: -1 }, { name: 'recent' });
    return new MongoConversationStore(docs);
  }

  async save(entry: StoredConversation): Promise<void> {
    const _id = `${entry.tenantId}|${entry.aadObjectId}`;
    await this.docs.replaceOne(
      { _id },
      { aadObjectId: entry.aadObjectId, tenantId: entry.tenantId, reference: entry.reference, updatedAt: entry.updatedAt },
      { upsert: true },
    );
  }

  async get(aadObjectId: string, tenantId?: string): Promise<StoredConversation | null> {
    const doc = await this.docs.findOne(tenantId === undefined ? { aadObjectId } : { aadObjectId, tenantId }, { sort: { updatedAt: -1 } });
    return toEntry(doc);
  }

  async remove(aadObjectId: string, tenantId: string): Promise<void> {
    await this.docs.deleteOne({ _id: `${tenantId}|${aadObjectId}` });
  }

  async latest(tenantId?: string): Promise<StoredConversation | null> {
    const doc = await this.docs.findOne(tenantId === undefined ? {} : { tenantId }, { sort: { updatedAt: -1 } });
    return toEntry(doc);
  }
}

function toEntry(doc: ConversationDoc | null): StoredConversation | null {
  if (!doc) return null;
  return { aadObjectId: doc.aadObjectId, tenantId: doc.tenantId, reference: doc.reference, updatedAt: new Date(doc.updatedAt) };
}
