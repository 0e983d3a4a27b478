/**
 * Binds the Adaptive Card templates in cards/*.json to their data (bot/cardTypes.ts) with
 * adaptivecards-templating, and wraps a bound card as a Bot Framework attachment.
 *
 * Templates are read and prepared once, on first use. Input values are bound as
 * `${values.<field>}`; a field the person has not filled in yet is bound to an empty string
 * rather than left as the literal expression. Any other expression that finds no data is a
 * mistake in a template or in the data, so binding fails loudly (CardBindingError) instead of
 * showing "${...}" to a head teacher.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Attachment } from 'botbuilder';
import type { CardData, CardName } from './cardTypes.js';

/**
 * The part of adaptivecards-templating used here. It is loaded with require and typed by hand
 * because its own declarations import the `adaptivecards` package's TypeScript sources, which
 * this project's compiler settings reject.
 */
interface Templating {
  Template: new (payload: unknown) => { expand(context: { $root?: unknown; $host?: unknown }): unknown };
  GlobalSettings: { getUndefinedFieldValueSubstitutionString?: ((path: string) => string | undefined) | undefined };
}
const { Template, GlobalSettings } = createRequire(import.meta.url)('adaptivecards-templating') as Templating;
type Template = InstanceType<Templating['Template']>;

/** A bound Adaptive Card, ready to send. */
export interface AdaptiveCardJson {
  type: 'AdaptiveCard';
  version: string;
  body?: unknown[];
  actions?: unknown[];
  refresh?: { action: { type: 'Action.Execute'; verb: string; data?: unknown }; userIds?: string[] };
  [key: string]: unknown;
}

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Every card template, by name; each is cards/<name>.json. */
export const CARD_NAMES = [
  'welcome',
  'help',
  'message',
  'setup',
  'intake-complainant',
  'intake-about',
  'intake-category',
  'intake-details',
  'intake-outcome',
  'intake-review',
  'intake-confirmation',
  'case-task',
  'case-view',
  'case-list',
  'nudge',
  'digest',
  'panel-booking',
  'panel-draw',
  'letter-preview',
] as const satisfies readonly CardName[];

// Every name in CardData has a template: a card added to the contract without one fails to compile.
type MissingTemplates = Exclude<CardName, (typeof CARD_NAMES)[number]>;
const everyCardHasATemplate: MissingTemplates extends never ? true : MissingTemplates = true;
void everyCardHasATemplate;

export class CardBindingError extends Error {
  constructor(
    readonly card: CardName,
    readonly unbound: string[],
  ) {
    super(`card ${card}: no data for ${unbound.join(', ')}`);
    this.name = 'CardBindingError';
  }
}

interface Loaded {
  template: Template;
  /** Field names the template binds as `values.<field>`. */
  valueFields: string[];
}

const CARDS_DIR = new URL('../cards/', import.meta.url);
const loaded = new Map<CardName, Loaded>();

function load(name: CardName): Loaded {
  let entry = loaded.get(name);
  if (!entry) {
    const text = readFileSync(new URL(`${name}.json`, CARDS_DIR), 'utf8');
    const valueFields = [...new Set([...text.matchAll(/\bvalues\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
    entry = { template: new Template(JSON.parse(text)), valueFields };
    loaded.set(name, entry);
  }
  return entry;
}

/** Reads and prepares every template now (at start-up), so a broken template stops the bot early. */
export function loadCardTemplates(): void {
  for (const name of CARD_NAMES) load(name);
}

/** The card `name` bound to `data`. Throws CardBindingError when the data lacks something the card shows. */
export function renderCard<N extends CardName>(name: N, data: CardData[N]): AdaptiveCardJson {
  const { template, valueFields } = load(name);
  const root: Record<string, unknown> = { ...(data as object) };
  if (valueFields.length) {
    const given = (root.values ?? {}) as Record<string, unknown>;
    const values: Record<string, string> = {};
    for (const field of valueFields) values[field] = '';
    for (const [field, value] of Object.entries(given)) if (value !== undefined && value !== null) values[field] = String(value);
    root.values = values;
  }
  const unbound: string[] = [];
  const previous = GlobalSettings.getUndefinedFieldValueSubstitutionString;
  GlobalSettings.getUndefinedFieldValueSubstitutionString = (path: string) => {
    unbound.push(path);
    return undefined;
  };
  let card: AdaptiveCardJson;
  try {
    card = template.expand({ $root: root }) as AdaptiveCardJson;
  } finally {
    GlobalSettings.getUndefinedFieldValueSubstitutionString = previous;
  }
  if (unbound.length) throw new CardBindingError(name, [...new Set(unbound)]);
  // An empty `userIds` turns Teams' automatic refresh off; without it, Teams refreshes the card for
  // everyone in a chat of up to 60 people, which in a 1:1 chat is exactly its recipient.
  const refresh = card.refresh as { userIds?: unknown[] } | undefined;
  if (refresh && Array.isArray(refresh.userIds) && refresh.userIds.length === 0) delete refresh.userIds;
  return card;
}

/** The Bot Framework attachment carrying a bound card. */
export function cardAttachment(card: AdaptiveCardJson): Attachment {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}
