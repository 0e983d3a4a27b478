/**
 * Teams played by hand, for tests that drive the bot's turn handling directly (createBot(...).run
 * on a TurnContext) rather than through the HTTP host: an activity from a person in their
 * personal chat with the bot, one turn, and what the bot sent back. Button presses are the
 * adaptiveCard/action invokes Teams sends for Action.Execute.
 */
import { BotAdapter, TurnContext, type Activity, type ResourceResponse } from 'botbuilder';
import { expect } from 'vitest';
import type { Bot, Render } from '../../bot/app.js';
import { renderCard } from '../../bot/cards.js';
import type { CardName } from '../../bot/cardTypes.js';

/** Keeps what the bot sends in a turn instead of posting it to the Bot Connector. */
export class CaptureAdapter extends BotAdapter {
  readonly sent: Array<Partial<Activity>> = [];
  async sendActivities(_context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
    this.sent.push(...activities);
    return activities.map((_, i) => ({ id: `reply-${i}` }));
  }
  async updateActivity(): Promise<void> {}
  async deleteActivity(): Promise<void> {}
  async continueConversation(): Promise<void> {}
}

/** The real template, bound; the card name and the data it was bound from ride along for the assertions. */
export const boundRender: Render = (name, data) => ({ ...renderCard(name, data), $card: name, $data: structuredClone(data) });

let n = 0;

/** An activity from `from` (their Entra object id) in their personal chat with the bot; `name` is their display name. */
export function personalActivity(from: string, extra: Partial<Activity>, name: string = from): Partial<Activity> {
  return {
    channelId: 'msteams',
    serviceUrl: 'https://smba.trafficmanager.net/uk/',
    id: `activity-${++n}`,
    from: { id: `29:${from}`, aadObjectId: from, name },
    recipient: { id: '28:complaints-bot', name: 'Complaints' },
    conversation: { id: `a:personal-${from}`, conversationType: 'personal', tenantId: 'tenant-1', isGroup: false, name: '' },
    ...extra,
  };
}

/** Runs one turn of the bot; returns the activities it sent. */
export async function runTurn(bot: Pick<Bot, 'run'>, activity: Partial<Activity>): Promise<Array<Partial<Activity>>> {
  const adapter = new CaptureAdapter();
  await bot.run(new TurnContext(adapter, activity));
  return adapter.sent;
}

/** The bound card an invoke answered with ($card and $data from the render above, or the test's own). */
export type AnsweredCard = Record<string, unknown> & { $card: CardName; $data: unknown };

export interface InvokeAnswer {
  /** The HTTP status of the invoke response. */
  status: number;
  /** The body's type: application/vnd.microsoft.card.adaptive for a card. */
  contentType: string;
  card: AnsweredCard;
}

/**
 * Presses a card button as `from`: the Action.Execute invoke with the button's verb and data
 * (the button's own data plus the card's inputs). Fails the test when the bot gives no invoke response.
 */
export async function pressButton(
  bot: Pick<Bot, 'run'>,
  from: string,
  verb: string,
  data: Record<string, unknown>,
  opts: { name?: string; extra?: Partial<Activity> } = {},
): Promise<InvokeAnswer> {
  const sent = await runTurn(
    bot,
    personalActivity(
      from,
      { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' }, ...opts.extra },
      opts.name,
    ),
  );
  const response = sent.find((a) => a.type === 'invokeResponse');
  expect(response, `an invoke response to ${verb}`).toBeDefined();
  const { status, body } = response!.value as { status: number; body: { type: string; value: AnsweredCard } };
  return { status, contentType: body.type, card: body.value };
}
