/**
 * Binding the card templates (cards/*.json) to the data the conversation gives them
 * (bot/cardTypes.ts): what a person typed is kept, an error shows right under its field,
 * buttons carry the right verb and data, and a button a person may not use is not there.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTIVE_CARD_CONTENT_TYPE, CARD_NAMES, CardBindingError, cardAttachment, renderCard, type AdaptiveCardJson } from '../../bot/cards.js';
import { VERBS, type CardData, type CardName } from '../../bot/cardTypes.js';
import { CASE_ID, DRAFT_ID, REFERENCE, panelSteps, samples, subgroupSteps } from './samples.js';

type Json = Record<string, unknown>;

const template = (name: CardName): Json => JSON.parse(readFileSync(new URL(`../../cards/${name}.json`, import.meta.url), 'utf8')) as Json;
const clone = <T>(v: T): T => structuredClone(v);

/** Every object in the card, with the array it sits in and its index there. */
function* objects(node: unknown, parent?: unknown[], index = 0): Generator<{ node: Json; parent: unknown[] | undefined; index: number }> {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* objects(node[i], node, i);
  } else if (node && typeof node === 'object') {
    yield { node: node as Json, parent, index };
    for (const value of Object.values(node)) if (value && typeof value === 'object') yield* objects(value);
  }
}

function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === 'object') return Object.values(node).flatMap(strings);
  return [];
}

const inputs = (card: unknown) => [...objects(card)].filter((o) => typeof o.node.type === 'string' && (o.node.type as string).startsWith('Input.'));
const input = (card: unknown, id: string) => {
  const found = inputs(card).find((o) => o.node.id === id);
  if (!found) throw new Error(`no input ${id}`);
  return found;
};
const executes = (card: unknown) => [...objects(card)].map((o) => o.node).filter((n) => n.type === 'Action.Execute');
const execute = (card: unknown, verb: string) => {
  const found = executes(card).filter((a) => a.verb === verb);
  expect(found, `one ${verb} button`).toHaveLength(1);
  return found[0]!;
};
/** The element right after the input with this id, in the same list. */
const after = (card: unknown, id: string) => {
  const { parent, index } = input(card, id);
  return parent?.[index + 1] as Json | undefined;
};
const isErrorBlock = (n: Json | undefined) => n?.type === 'TextBlock' && n.color === 'attention';

/** Cards a person types into, with the field names they send. */
const FORMS = {
  setup: ['schoolName', 'policy', 'region', 'preset', 'terms', 'closures', 'referencePrefix', 'role_head_of_school', 'role_governance_lead'],
  'intake-complainant': ['complainantName', 'relationship', 'preferredContact', 'email', 'phone', 'address'],
  'intake-about': ['aboutRole', 'aboutName'],
  'intake-category': ['category', 'recordOutOfScope'],
  'intake-details': ['summary', 'incidentOn', 'receivedOn', 'lookedAfterChild', 'lateReason'],
  'intake-outcome': ['desiredOutcome'],
  'intake-review': ['duplicates'],
  'case-task': ['outcome', 'decision', 'extendKind', 'extendDue', 'extendReason', 'reassignTo', 'reassignReason', 'escalateGrounds'],
  // durationMinutes is a number field, bound to a number (tested under "panel booking").
  'panel-booking': ['memberIds', 'organiser', 'venue', 'online'],
  'panel-draw': ['replaceMemberId', 'replaceReason', 'drawReason'],
  'letter-preview': ['text'],
} as const satisfies Partial<Record<CardName, readonly string[]>>;
type FormName = keyof typeof FORMS;
const TOGGLES = new Set(['recordOutOfScope', 'lookedAfterChild', 'online']);
const DATES = new Set(['incidentOn', 'receivedOn', 'extendDue']);
const FORM_NAMES = Object.keys(FORMS) as FormName[];

/** Sample data for a form card with these values and errors (review has no `values` in the contract yet). */
function withFields<N extends FormName>(name: N, values: Record<string, string>, errors: Record<string, string>): CardData[N] {
  return { ...clone(samples[name]), values, errors } as CardData[N];
}

describe('card templates', () => {
  it('there is one Adaptive Card 1.5 template for every card in the contract', () => {
    for (const name of CARD_NAMES) {
      const t = template(name);
      expect(t.type, name).toBe('AdaptiveCard');
      expect(t.version, name).toBe('1.5');
    }
  });

  it('every input has a label, and its value is bound to values.<its id> (a number field to a number beside the values)', () => {
    for (const name of CARD_NAMES) {
      for (const { node } of inputs(template(name))) {
        expect(node.label, `${name} ${String(node.id)}`).toEqual(expect.any(String));
        if (String(node.id).includes('${')) continue; // setup's one-per-role inputs
        // The renderer reads a string in Input.Number as empty: values holds strings, so numbers are bound from elsewhere.
        if (node.type === 'Input.Number') expect(node.value, `${name} ${String(node.id)}`).toMatch(new RegExp(`^\\$\\{\\w+\\.${String(node.id)}\\}$`));
        else expect(node.value, `${name} ${String(node.id)}`).toBe(`\${values.${String(node.id)}}`);
      }
    }
  });

  it('every input is followed by its error, shown only when there is one', () => {
    for (const name of CARD_NAMES) {
      for (const { node, parent, index } of inputs(template(name))) {
        const next = parent?.[index + 1] as Json | undefined;
        expect(isErrorBlock(next), `${name} ${String(node.id)}`).toBe(true);
        if (String(node.id).includes('${')) continue;
        expect(next?.$when, `${name} ${String(node.id)}`).toBe(`\${exists(errors.${String(node.id)})}`);
        expect(next?.text, `${name} ${String(node.id)}`).toBe(`\${errors.${String(node.id)}}`);
      }
    }
  });

  it('the cards send exactly the verbs the conversation handles', () => {
    const used = new Set(CARD_NAMES.flatMap((name) => executes(template(name)).map((a) => a.verb as string)));
    expect([...used].sort()).toEqual([...VERBS].sort());
  });

  it('no card uses Action.Submit, which Teams does not route to adaptiveCard/action', () => {
    for (const name of CARD_NAMES)
      expect(
        [...objects(template(name))].filter((o) => o.node.type === 'Action.Submit'),
        name,
      ).toEqual([]);
  });
});

describe('binding with realistic data for an NMAT case', () => {
  it.each(CARD_NAMES)('%s binds with nothing left unbound', (name) => {
    const card = renderCard(name, samples[name] as never);
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.5');
    expect(strings(card).filter((s) => s.includes('${'))).toEqual([]);
    // $when and $data are instructions to the binder, never sent to Teams.
    expect([...objects(card)].filter((o) => '$when' in o.node || '$data' in o.node)).toEqual([]);
    // Teams refuses messages over about 28 KB.
    expect(JSON.stringify(card).length).toBeLessThan(28_000);
  });

  it.each(FORM_NAMES)('%s binds with nothing typed yet: every field empty, no errors shown', (name) => {
    const card = renderCard(name, withFields(name, {}, {}));
    expect(strings(card).filter((s) => s.includes('${'))).toEqual([]);
    for (const field of FORMS[name]) {
      if (name === 'intake-details' && field === 'lateReason') continue; // only on the late path
      expect(input(card, field).node.value, field).toBe('');
      expect(isErrorBlock(after(card, field)), field).toBe(false);
    }
  });

  it.each(FORM_NAMES)('%s keeps what was typed in every field', (name) => {
    const values = Object.fromEntries(FORMS[name].map((f, i) => [f, TOGGLES.has(f) ? 'true' : DATES.has(f) ? `2026-11-${10 + i}` : `typed into ${f}`]));
    const card = renderCard(name, withFields(name, values, {}));
    for (const field of FORMS[name]) expect(input(card, field).node.value, field).toBe(values[field]);
  });

  it.each(FORM_NAMES)('%s shows each error right under its own field, in the attention colour', (name) => {
    const errors = Object.fromEntries(FORMS[name].map((f) => [f, `Problem with ${f}: please check it.`]));
    const card = renderCard(name, withFields(name, {}, errors));
    for (const field of FORMS[name]) {
      const block = after(card, field);
      expect(isErrorBlock(block), field).toBe(true);
      expect(block?.text, field).toBe(errors[field]);
      expect(block?.wrap, field).toBe(true);
    }
  });

  it('an error not tied to one field is shown at the top of the card', () => {
    for (const name of FORM_NAMES) {
      const card = renderCard(name, withFields(name, {}, { form: 'This draft has expired. Start again with new complaint.' }));
      const blocks = [...objects(card)].filter((o) => o.node.text === 'This draft has expired. Start again with new complaint.');
      expect(blocks, name).toHaveLength(1);
      expect(blocks[0]!.node.color, name).toBe('attention');
    }
  });

  it("the complainant's name, relationship and preferred contact are required before Next, with a plain message", () => {
    const card = renderCard('intake-complainant', samples['intake-complainant']);
    for (const id of ['complainantName', 'relationship', 'preferredContact']) {
      expect(input(card, id).node.isRequired, id).toBe(true);
      expect(input(card, id).node.errorMessage, id).toMatch(/^[A-Z][^{}]+\.$/);
    }
    expect(input(card, 'preferredContact').node.choices).toEqual([
      { title: 'By email', value: 'email' },
      { title: 'By phone', value: 'phone' },
      { title: 'By letter', value: 'letter' },
    ]);
  });

  it('steps with a Back button require nothing on the card itself, so Back always works', () => {
    for (const name of ['intake-about', 'intake-category', 'intake-details', 'intake-outcome', 'intake-review'] as const) {
      const card = renderCard(name, samples[name]);
      expect(
        inputs(card).filter((o) => o.node.isRequired),
        name,
      ).toEqual([]);
    }
  });
});

describe('intake buttons', () => {
  const steps = ['intake-complainant', 'intake-about', 'intake-category', 'intake-details', 'intake-outcome', 'intake-review'] as const;

  it.each(steps)('%s: every button carries the draft and the step', (name) => {
    const card = renderCard(name, samples[name]);
    for (const action of executes(card)) expect(action.data, String(action.verb)).toEqual({ draftId: DRAFT_ID, step: samples[name].step });
  });

  it.each(steps)('%s: Cancel sends nothing typed; Next and Back send what was typed', (name) => {
    const card = renderCard(name, samples[name]);
    expect(execute(card, 'intake.cancel').associatedInputs).toBe('none');
    const forward = name === 'intake-review' ? 'intake.submit' : 'intake.next';
    expect(execute(card, forward).associatedInputs).toBe('auto');
    if (name === 'intake-complainant') expect(executes(card).some((a) => a.verb === 'intake.back')).toBe(false);
    else expect(execute(card, 'intake.back').associatedInputs).toBe('auto');
  });

  it('the first step has no Back; the review records the complaint rather than going next', () => {
    expect(executes(renderCard('intake-complainant', samples['intake-complainant'])).map((a) => a.verb)).toEqual(['intake.next', 'intake.cancel']);
    expect(executes(renderCard('intake-review', samples['intake-review'])).map((a) => a.verb)).toEqual(['intake.submit', 'intake.back', 'intake.cancel']);
  });
});

describe('intake steps', () => {
  it('about: the role picker lists the policy roles a complaint can be about, plus no one in particular', () => {
    const card = renderCard('intake-about', samples['intake-about']);
    const choices = input(card, 'aboutRole').node.choices as Array<{ title: string; value: string }>;
    expect(choices.map((c) => c.value)).toEqual(samples['intake-about'].roles.map((r) => r.id));
    expect(choices).toContainEqual({ title: 'Head of School', value: 'head_of_school' });
    expect(choices.map((c) => c.value)).not.toContain('panel');
    expect(input(card, 'aboutRole').node.value).toBe('teacher');
    expect(input(card, 'aboutName').node.value).toBe('Mr Smith');
  });

  it('category: each out-of-scope matter is marked as another procedure and explained with where to go', () => {
    const data = samples['intake-category'];
    const card = renderCard('intake-category', data);
    const choices = input(card, 'category').node.choices as Array<{ title: string; value: string }>;
    expect(choices.slice(0, data.categories.length)).toEqual(data.categories.map((c) => ({ title: c.label, value: c.id })));
    expect(choices.slice(data.categories.length)).toEqual(data.outOfScope.map((o) => ({ title: `${o.label} (another procedure)`, value: o.id })));
    const text = strings(card).join('\n');
    for (const o of data.outOfScope) {
      expect(text).toContain(o.label);
      expect(text).toContain(o.signpost);
    }
    expect(text).toContain('SEND Tribunal');
    expect(input(card, 'recordOutOfScope').node).toMatchObject({ type: 'Input.Toggle', valueOn: 'true', valueOff: 'false', value: '' });
  });

  it('category: with nothing out of scope, the explanation is left out', () => {
    const card = renderCard('intake-category', { ...samples['intake-category'], outOfScope: [] });
    expect(strings(card).join('\n')).not.toContain('Handled elsewhere');
    expect(inputs(card).map((o) => o.node.id)).toEqual(['category']);
  });

  it('details: on time, there is no late section; late, the message and a reason field appear', () => {
    const { late: _late, ...onTime } = samples['intake-details'];
    const plain = renderCard('intake-details', { ...onTime, errors: {} });
    expect(inputs(plain).map((o) => o.node.id)).toEqual(['summary', 'incidentOn', 'receivedOn', 'lookedAfterChild']);
    expect(strings(plain).join('\n')).not.toContain('This complaint is late');

    const late = renderCard('intake-details', {
      ...samples['intake-details'],
      values: { ...samples['intake-details'].values, lateReason: 'She was in hospital.' },
    });
    expect(inputs(late).map((o) => o.node.id)).toEqual(['summary', 'incidentOn', 'receivedOn', 'lookedAfterChild', 'lateReason']);
    expect(strings(late)).toContain(samples['intake-details'].late!.message);
    expect(input(late, 'lateReason').node.value).toBe('She was in hospital.');
    expect(input(late, 'incidentOn').node.type).toBe('Input.Date');
    expect(input(late, 'incidentOn').node.value).toBe('2026-06-01');
  });

  it('details: the time limit is shown when the policy has one', () => {
    expect(strings(renderCard('intake-details', samples['intake-details']))).toContain('This policy asks for complaints within 3 months of the incident.');
    const { timeLimit: _t, ...none } = samples['intake-details'];
    expect(strings(renderCard('intake-details', none)).join('\n')).not.toContain('3 months of the incident');
  });

  it('review: every summary line is shown; possible duplicates come with a choice to link or keep separate', () => {
    const data = samples['intake-review'];
    const card = renderCard('intake-review', data);
    const facts = [...objects(card)].find((o) => o.node.type === 'FactSet')!.node.facts;
    expect(facts).toEqual(data.summary.map((s) => ({ title: s.label, value: s.value })));
    const text = strings(card).join('\n');
    expect(text).toContain('NMAT-2026-0000, received Mon 2 Nov 2026');
    // "Link" sends the ids of the complaints shown, comma-separated; "separate" keeps it apart.
    expect(input(card, 'duplicates').node.choices).toEqual([
      { title: 'Link it to these complaints', value: 'case-01J8,case-01J7' },
      { title: 'Record it separately: it is a different matter', value: 'separate' },
    ]);
  });

  it('review: without possible duplicates there is nothing to choose', () => {
    const card = renderCard('intake-review', { ...samples['intake-review'], duplicates: [], errors: {} });
    expect(inputs(card)).toEqual([]);
    expect(strings(card).join('\n')).not.toContain('same complaint');
  });

  it('confirmation: the reference, the handler and each deadline with its due date', () => {
    const data = samples['intake-confirmation'];
    const text = strings(renderCard('intake-confirmation', data)).join('\n');
    expect(text).toContain(`Reference ${REFERENCE}`);
    expect(text).toContain('Hana Head (Head of School)');
    expect(text).toContain('Due Wed 11 Nov 2026');
    expect(text).toContain('Due Wed 18 Nov 2026');
    expect(executes(renderCard('intake-confirmation', data))).toEqual([]);
  });
});

describe('case task', () => {
  const data = samples['case-task'];
  const allowed = (can: Partial<CardData['case-task']['can']>) =>
    renderCard('case-task', {
      ...clone(data),
      can: { acknowledge: false, outcome: false, extend: false, reassign: false, escalate: false, bookPanel: false, ...can },
      errors: {},
    });

  it('shows the case, the stage and the deadlines, with the overdue one marked', () => {
    const card = renderCard('case-task', data);
    const text = strings(card);
    expect(text).toContain(REFERENCE);
    expect(text).toContain('Behaviour and discipline, about a teacher');
    expect(text).toContain('2 – Formal complaint investigated by the Head of School');
    const overdue = [...objects(card)].find((o) => o.node.text === 'Overdue, was due Mon 23 Nov 2026')!;
    expect(overdue.node.color).toBe('attention');
    expect(text).toContain('Done Tue 10 Nov 2026');
    expect(text).not.toContain('Due Mon 23 Nov 2026');
  });

  it('shows the notice when the card was acted on, and not otherwise', () => {
    expect(strings(renderCard('case-task', data))).toContain('Acknowledged by Hana Head on Tue 10 Nov');
    const { notice: _n, ...quiet } = data;
    expect(strings(renderCard('case-task', quiet)).join('\n')).not.toContain('Acknowledged by');
  });

  it('refreshes for the people involved, asking for the current state of this case', () => {
    const card = renderCard('case-task', data);
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', title: 'Refresh', verb: 'case.refresh', data: { caseId: CASE_ID } },
      userIds: data.refreshUserIds,
    });
  });

  it('with no people named (a task sent to a 1:1 chat), leaves userIds out so Teams refreshes it for the recipient', () => {
    const card = renderCard('case-task', { ...data, refreshUserIds: [] });
    expect(card.refresh).toEqual({ action: { type: 'Action.Execute', title: 'Refresh', verb: 'case.refresh', data: { caseId: CASE_ID } } });
  });

  it('every button carries the case and the version it was shown at', () => {
    const card = renderCard('case-task', data);
    const verbs = executes(card).map((a) => a.verb);
    expect(verbs).toEqual(['case.refresh', 'case.acknowledge', 'case.outcome', 'case.extend', 'case.reassign', 'case.escalate']);
    for (const action of executes(card).filter((a) => a.verb !== 'case.refresh'))
      expect(action.data, String(action.verb)).toEqual({ caseId: CASE_ID, version: 4 });
    expect(execute(card, 'case.acknowledge').associatedInputs).toBe('none');
  });

  it('nobody allowed to do anything sees no buttons at all, only the current state', () => {
    const card = allowed({});
    expect(card.actions ?? []).toEqual([]);
    expect(inputs(card)).toEqual([]);
    expect(executes(card).map((a) => a.verb)).toEqual(['case.refresh']);
  });

  it.each([
    ['acknowledge', 'case.acknowledge', []],
    ['outcome', 'case.outcome', ['outcome', 'decision']],
    ['extend', 'case.extend', ['extendKind', 'extendDue', 'extendReason']],
    ['reassign', 'case.reassign', ['reassignTo', 'reassignReason']],
    ['escalate', 'case.escalate', ['escalateGrounds']],
    ['bookPanel', 'panel.open', []],
  ] as const)('allowed only to %s: only that button and its fields', (can, verb, fields) => {
    const card = allowed({ [can]: true });
    expect(executes(card).map((a) => a.verb)).toEqual(['case.refresh', verb]);
    expect(inputs(card).map((o) => o.node.id)).toEqual(fields);
  });

  it('record outcome: the policy outcomes to choose from and the decision text, both required', () => {
    const card = renderCard('case-task', data);
    expect(input(card, 'outcome').node.choices).toEqual(data.outcomes.map((o) => ({ title: o.label, value: o.id })));
    expect(input(card, 'outcome').node.isRequired).toBe(true);
    expect(input(card, 'decision').node.isMultiline).toBe(true);
    expect(input(card, 'decision').node.isRequired).toBe(true);
    expect(input(card, 'decision').node.value).toBe('Too short');
    expect(after(card, 'decision')?.text).toBe(data.errors.decision);
  });

  it('an error on a form inside a closed section is also pointed out on the card itself', () => {
    const text = strings(renderCard('case-task', data)).join('\n');
    expect(text).toContain('The outcome has not been recorded yet. Open Record outcome below');
    const clean = strings(renderCard('case-task', { ...data, errors: {} })).join('\n');
    expect(clean).not.toContain('has not been');
  });

  it('extend: which deadline, the new date and the reason; reassign: who and why', () => {
    const card = renderCard('case-task', { ...data, values: { extendKind: 'respond', extendDue: '2026-12-04', reassignTo: 'aad-exec' } });
    expect(input(card, 'extendKind').node.choices).toEqual([{ title: 'Respond', value: 'respond' }]);
    expect(input(card, 'extendKind').node.value).toBe('respond');
    expect(input(card, 'extendDue').node.type).toBe('Input.Date');
    expect(input(card, 'extendDue').node.value).toBe('2026-12-04');
    expect(input(card, 'reassignTo').node.choices).toEqual(data.people.map((p) => ({ title: p.name, value: p.id })));
    expect(input(card, 'reassignTo').node.value).toBe('aad-exec');
    for (const id of ['extendKind', 'extendDue', 'extendReason', 'reassignTo', 'reassignReason']) expect(input(card, id).node.isRequired, id).toBe(true);
  });

  it('a case with no handler yet leaves that line out instead of showing a blank', () => {
    const { handlerName: _h, ...header } = data.header;
    const card = renderCard('case-task', { ...data, header });
    expect(strings(card)).not.toContain('Handled by');
  });
});

describe('panel booking', () => {
  const [date, booked, declined] = panelSteps.map(([, d]) => d);

  it('choose: the rule, who is eligible (independent ones marked) and who is not and why; Find dates sends the choice', () => {
    const data = samples['panel-booking'];
    const card = renderCard('panel-booking', data);
    const text = strings(card);
    expect(text).toContain(data.rule);
    expect(input(card, 'memberIds').node.isMultiSelect).toBe(true);
    expect(input(card, 'memberIds').node.choices).toEqual(data.choose!.candidates.map((c) => ({ title: c.title, value: c.id })));
    expect(input(card, 'memberIds').node.value).toBe(data.values.memberIds);
    expect(text).toContain('Tom Teacher: the complaint is about them');
    expect(executes(card).map((a) => [a.verb, a.data, a.associatedInputs])).toEqual([['panel.propose', { caseId: CASE_ID, version: 6, events: 9 }, 'auto']]);
    // The invitation comes from one of the mailboxes offered, not any address typed.
    expect(input(card, 'organiser').node).toMatchObject({
      type: 'Input.ChoiceSet',
      value: data.values.organiser,
      choices: data.choose!.organisers.map((o) => ({ title: o.title, value: o.value })),
    });
  });

  it('choose: the length is bound as a number, so the number field shows it (and a length changed before Back)', () => {
    const data = samples['panel-booking'];
    expect(input(renderCard('panel-booking', data), 'durationMinutes').node.value).toBe(90);
    const back = renderCard('panel-booking', {
      ...data,
      choose: { ...data.choose!, durationMinutes: 45 },
      errors: { durationMinutes: 'A hearing lasts at least 30 minutes.' },
    });
    expect(input(back, 'durationMinutes').node.value).toBe(45);
    expect(after(back, 'durationMinutes')?.text).toBe('A hearing lasts at least 30 minutes.');
  });

  it('date: the window, the proposals with "another date" last, and Book and Back carrying the panel chosen', () => {
    const card = renderCard('panel-booking', date!);
    expect(strings(card)).toContain(date!.date!.window);
    expect(input(card, 'slot').node.choices).toEqual([
      ...date!.date!.slots.map((s) => ({ title: s.title, value: s.value })),
      { title: 'Another date and time (type it below)', value: 'other' },
    ]);
    expect(after(card, 'reason')?.text).toBe(date!.errors.reason);
    expect(inputs(card).filter((o) => o.node.isRequired)).toEqual([]); // Back must always work
    const carried = { caseId: CASE_ID, version: 6, events: 9, ...date!.date!.choice };
    expect(executes(card).map((a) => [a.verb, a.data])).toEqual([
      ['panel.book', carried],
      ['panel.back', carried],
    ]);
    expect(execute(card, 'panel.book').title).toBe('Book the hearing');
    const moving = renderCard('panel-booking', { ...date!, date: { ...date!.date!, rescheduling: true } });
    expect(execute(moving, 'panel.book').title).toBe('Move the hearing');
    expect(input(moving, 'reason').node.label).toMatch(/^Why the hearing is moving \(required/);
  });

  it('booked: when, where, the Teams link, each answer; check, move and cancel (with a required reason) for this version', () => {
    const card = renderCard('panel-booking', booked!);
    const text = strings(card);
    expect(text).toContain('Tue 15 Dec 2026, 10:00-12:00');
    expect(text).toContain(`[Join the Teams meeting](${booked!.booked!.joinUrl})`);
    expect([...objects(card)].find((o) => o.node.text === 'Declined')!.node.color).toBe('attention');
    expect(text).toContain('Rejected: no answer by Mon 30 Nov 2026');
    const seen = { caseId: CASE_ID, version: 7, events: 11 };
    expect(executes(card).map((a) => [a.verb, a.data])).toEqual([
      ['panel.answer', seen],
      ['panel.responses', seen],
      ['panel.reschedule', seen],
      ['panel.cancel', seen],
    ]);
    expect(input(card, 'cancelReason').node.isRequired).toBe(true);
    expect(text).toContain("Sent from the organiser's Outlook calendar");
    expect(text.join('\n')).not.toContain('may go ahead');
    const absent = strings(
      renderCard('panel-booking', { ...booked!, booked: { ...booked!.booked!, mayProceed: 'The hearing may go ahead in their absence (NMAT §14).' } }),
    );
    expect(absent).toContain('The hearing may go ahead in their absence (NMAT §14).');
  });

  it("booked: the complainant's answer, how it reaches the school, and its fields kept with each error under its own", () => {
    const card = renderCard('panel-booking', booked!);
    const text = strings(card);
    expect(text).toEqual(expect.arrayContaining(["The complainant's answer", 'No answer yet.', booked!.booked!.answer.how]));
    expect(input(card, 'complainantAnswer').node.choices).toEqual([
      { title: 'Accepted', value: 'accepted' },
      { title: 'Declined', value: 'declined' },
    ]);
    expect(input(card, 'answerReceivedOn').node.type).toBe('Input.Date');
    expect(execute(card, 'panel.answer')).toMatchObject({ title: 'Record their answer', associatedInputs: 'auto' });
    const fields = ['complainantAnswer', 'answerReceivedOn', 'answerNote'];
    for (const f of fields) expect(isErrorBlock(after(card, f)), f).toBe(false);
    const typed = { complainantAnswer: 'declined', answerReceivedOn: '2026-12-01', answerNote: 'by phone to the office' };
    const errors = Object.fromEntries(fields.map((f) => [f, `Problem with ${f}.`]));
    const wrong = renderCard('panel-booking', { ...booked!, values: typed, errors });
    for (const f of fields) {
      expect(input(wrong, f).node.value, f).toBe(typed[f as keyof typeof typed]);
      expect(after(wrong, f)?.text, f).toBe(errors[f]);
    }
  });

  it('booked: an invitation Outlook refused is shown in the attention colour with what to do', () => {
    const invitationProblem = 'Outlook refused the invitation: The mailbox is not found. Check the organiser mailbox with your IT admin, then book again.';
    const card = renderCard('panel-booking', { ...booked!, booked: { ...booked!.booked!, invitation: 'Refused by Outlook', invitationProblem } });
    expect([...objects(card)].find((o) => o.node.text === invitationProblem)!.node.color).toBe('attention');
    expect(strings(renderCard('panel-booking', booked!)).join('\n')).not.toContain('Outlook refused');
  });

  it('a member declined: who, the next free times, and a button to open the booking', () => {
    const card = renderCard('panel-booking', declined!);
    expect(strings(card)).toEqual(expect.arrayContaining([declined!.declined!.text, ...declined!.declined!.slots]));
    expect(executes(card).map((a) => [a.verb, a.data])).toEqual([['panel.open', { caseId: CASE_ID }]]);
  });

  it('the task card of a panel stage opens the booking, named for whether a hearing is booked', () => {
    const task = { ...samples['case-task'], can: { ...samples['case-task'].can, bookPanel: true }, errors: {} };
    expect(execute(renderCard('case-task', task), 'panel.open').title).toBe('Book the panel hearing');
    const bookedTask = renderCard('case-task', { ...task, hearing: 'Tue 15 Dec 2026, 10:00-12:00' });
    expect(execute(bookedTask, 'panel.open').title).toBe('Panel hearing');
    expect(strings(bookedTask)).toContain('Tue 15 Dec 2026, 10:00-12:00');
  });
});

describe('drawing the complaints subgroup (KPSSPP)', () => {
  const drawn = samples['panel-draw'];
  const [first, tooFew, redrawError] = subgroupSteps.map(([, d]) => d);
  const seen = { caseId: drawn.header.caseId, version: 2, events: 2 };

  it('draw: the rule with the policy’s words, who can be drawn, who is left out and why, and one button that draws', () => {
    const card = renderCard('panel-draw', first!);
    const text = strings(card);
    expect(text).toEqual(expect.arrayContaining(['Draw the subgroup', first!.rule, first!.cite, '4 KPSSPP members can be drawn:', 'Murdo Member']));
    expect(text).toContain('Fiona Fraser: the complaint is about them');
    expect(text).toContain('Moira Member: the complaint names them');
    expect(first!.cite).toContain('picked at random (excluding any member mentioned in the complaint)');
    expect(inputs(card)).toEqual([]);
    expect(executes(card).map((a) => [a.verb, a.title, a.data, a.associatedInputs])).toEqual([['panel.draw', 'Draw 3 at random', seen, 'none']]);
  });

  it('too few to draw: no draw button, and why in words', () => {
    const card = renderCard('panel-draw', tooFew!);
    expect(executes(card)).toEqual([]);
    expect(strings(card)).toContain(tooFew!.cannotDraw);
  });

  it('drawn: the members with the convener first, when and by whom, every draw so far; Replace and Draw again each carry the case as seen', () => {
    const card = renderCard('panel-draw', drawn);
    const text = strings(card);
    expect(text).toEqual(
      expect.arrayContaining([
        'The subgroup drawn',
        'Mhairi Member',
        'Convener, handles stage 1',
        drawn.drawn!.when,
        ...drawn.drawn!.history.map((h) => h.text),
      ]),
    );
    const data = { caseId: drawn.header.caseId, version: 5, events: 5 };
    expect(executes(card).map((a) => [a.verb, a.title, a.data, a.associatedInputs])).toEqual([
      ['panel.replace', 'Replace at random', data, 'auto'],
      ['panel.draw', 'Draw 3 at random', data, 'auto'],
    ]);
    expect(input(card, 'replaceMemberId').node.choices).toEqual(drawn.drawn!.replaceable.map((r) => ({ title: r.title, value: r.id })));
    for (const id of ['replaceMemberId', 'replaceReason', 'drawReason']) expect(input(card, id).node.isRequired, id).toBe(true);
  });

  it('an error inside a closed section is pointed out on the card itself', () => {
    expect(strings(renderCard('panel-draw', drawn))).toContain('Nobody has been replaced yet. Open Replace a member below to see what needs changing.');
    const again = strings(renderCard('panel-draw', redrawError!));
    expect(again).toContain('No new subgroup has been drawn yet. Open Draw a new subgroup below to see what needs changing.');
    expect(again.join('\n')).not.toContain('Nobody has been replaced');
  });

  it('a single draw lists no history; a stage that cannot be drawn again offers Replace only', () => {
    const once = { ...drawn, drawn: { ...drawn.drawn!, history: drawn.drawn!.history.slice(0, 1) } };
    expect(strings(renderCard('panel-draw', once))).not.toContain('Draws at this stage');
    const { drawTitle: _t, ...noDraw } = drawn;
    expect(executes(renderCard('panel-draw', noDraw)).map((a) => a.verb)).toEqual(['panel.replace']);
  });

  it('the task card of a random stage names the button for the subgroup and shows who is on it', () => {
    const task = {
      ...samples['case-task'],
      can: { ...samples['case-task'].can, bookPanel: true },
      errors: {},
      panelTitle: 'Complaints subgroup',
      subgroup: 'Mhairi Member (convener), Malcolm Member and Murdo Member',
    };
    const card = renderCard('case-task', task);
    expect(execute(card, 'panel.open').title).toBe('Complaints subgroup');
    const facts = [...objects(card)].find((o) => o.node.type === 'FactSet')!.node.facts as Array<{ title: string; value: string }>;
    expect(facts).toContainEqual({ title: 'Subgroup', value: task.subgroup });
    const { subgroup: _s, ...undrawn } = task;
    expect(execute(renderCard('case-task', { ...undrawn, panelTitle: 'Draw the subgroup' }), 'panel.open').title).toBe('Draw the subgroup');
  });
});

describe('the other cards', () => {
  it('case view: the case, its deadlines and what has happened, with no buttons', () => {
    const card = renderCard('case-view', samples['case-view']);
    const text = strings(card);
    expect(text).toContain(REFERENCE);
    expect(text).toContain('Acknowledged by Hana Head');
    expect(text).toContain('Overdue, was due Mon 23 Nov 2026');
    expect(executes(card)).toEqual([]);
  });

  it('case list: each case opens with its own button; the overdue count is marked', () => {
    const data = samples['case-list'];
    const card = renderCard('case-list', data);
    expect(executes(card).map((a) => [a.verb, a.data])).toEqual(data.cases.map((c) => ['case.open', { caseId: c.caseId }]));
    const text = strings(card);
    expect(text).toContain('1 deadline overdue');
    expect(text.filter((t) => t.includes('overdue'))).toHaveLength(1);
    const plural = strings(renderCard('case-list', { ...data, cases: [{ ...data.cases[0]!, overdue: 3 }] }));
    expect(plural).toContain('3 deadlines overdue');
  });

  it('case list: an empty list says so in plain words', () => {
    const card = renderCard('case-list', { ...samples['case-list'], cases: [] });
    expect(strings(card)).toContain('You are not handling any complaints at the moment.');
    expect(executes(card)).toEqual([]);
  });

  it.each([
    ['due_soon', 'Coming up', 'Respond is due Mon 23 Nov 2026'],
    ['due_today', 'Due today', 'Respond is due today, Mon 23 Nov 2026'],
    ['overdue', 'Overdue', 'Respond was due Mon 23 Nov 2026'],
  ] as const)('nudge %s says so and opens the case', (level, badge, headline) => {
    const card = renderCard('nudge', { ...samples.nudge, level });
    const text = strings(card);
    expect(text).toContain(badge);
    expect(text).toContain(headline);
    expect(text.filter((t) => ['Coming up', 'Due today', 'Overdue'].includes(t))).toEqual([badge]);
    expect(executes(card)).toEqual([expect.objectContaining({ verb: 'case.open', data: { caseId: CASE_ID } })]);
  });

  it('digest: one line per overdue deadline with who owns it; a quiet day is said kindly', () => {
    const data = samples.digest;
    const card = renderCard('digest', data);
    const text = strings(card);
    expect(text).toContain('2 deadlines have passed without being met.');
    expect(text).toContain('Acknowledge, was due Thu 12 Nov 2026');
    expect(text).toContain('Tom Teacher');
    expect(executes(card).map((a) => a.data)).toEqual(data.items.map((i) => ({ caseId: i.caseId })));
    expect(strings(renderCard('digest', { ...data, items: [] }))).toContain('Nothing is overdue. Thank you, everyone.');
  });

  it('welcome and help list the commands; the welcome greets by name when it can', () => {
    const welcome = strings(renderCard('welcome', samples.welcome));
    expect(welcome).toContain('Hello, Rita Reception');
    for (const c of samples.welcome.commands) expect(welcome).toContain(c.title);
    const anonymous = strings(renderCard('welcome', { commands: samples.welcome.commands }));
    expect(anonymous).toContain('Hello');
    expect(anonymous.join('\n')).not.toContain('Nunthorpe');
    const help = strings(renderCard('help', { commands: samples.help.commands }));
    for (const c of samples.help.commands) expect(help).toContain(c.description);
  });

  it('message: the tone colours the title, default when none is given', () => {
    const title = (card: AdaptiveCardJson) => (card.body![0] as Json).color;
    expect(title(renderCard('message', samples.message))).toBe('warning');
    expect(title(renderCard('message', { title: 'Done', text: 'Saved.' }))).toBe('default');
  });

  it('setup: one address field per policy role, keeping what was typed and showing its error', () => {
    const card = renderCard('setup', samples.setup);
    expect(inputs(card).map((o) => o.node.id)).toEqual(FORMS.setup);
    expect(input(card, 'role_head_of_school').node.label).toBe('Head of School');
    expect(input(card, 'role_head_of_school').node.value).toBe('hana.head@nunthorpe.org.uk');
    expect(input(card, 'role_governance_lead').node.value).toBe('');
    expect(after(card, 'role_governance_lead')?.text).toBe(samples.setup.errors.role_governance_lead);
    expect(isErrorBlock(after(card, 'role_head_of_school'))).toBe(false);
    expect(input(card, 'policy').node.choices).toEqual(samples.setup.policies.map((p) => ({ title: p.name, value: p.id })));
    expect(execute(card, 'setup.submit').associatedInputs).toBe('auto');
  });
});

describe('letter preview', () => {
  const data = samples['letter-preview'];
  const sent = (): CardData['letter-preview'] => {
    const { when: _w, ...rest } = clone(data);
    return { ...rest, editable: false, status: 'Sent by Hana Head on Tue 10 Nov 2026, 10:25.' };
  };

  it('held: who it goes to and how, the subject, the letter in a box to edit, and when it goes by itself', () => {
    const card = renderCard('letter-preview', data);
    const text = strings(card);
    expect(text).toContain('Priya Parent (by email)');
    expect(text).toContain(data.subject);
    expect(text).toContain('Goes at 10:25 unless you send it sooner.');
    const box = input(card, 'text').node;
    expect(box).toMatchObject({ type: 'Input.Text', isMultiline: true, value: data.values.text, isRequired: true });
    expect(box.value).toContain('Dear Priya Parent,');
  });

  it('Send now carries the case, the letter and the version with the text typed; refresh asks for this letter as it stands', () => {
    const card = renderCard('letter-preview', data);
    const send = execute(card, 'letter.send');
    expect(send).toMatchObject({ title: 'Send now', associatedInputs: 'auto', data: { caseId: CASE_ID, key: data.key, version: 5 } });
    const refresh = { type: 'Action.Execute', title: 'Refresh', verb: 'letter.refresh', data: { caseId: CASE_ID, key: data.key } };
    expect(card.refresh).toEqual({ action: refresh });
    expect(executes(card).filter((a) => a.verb === 'letter.refresh')).toHaveLength(2);
  });

  it('gone: read-only, saying who sent it and when, the letter paragraph by paragraph, and no Send now', () => {
    const card = renderCard('letter-preview', sent());
    expect(inputs(card)).toEqual([]);
    expect(executes(card).map((a) => a.verb)).toEqual(['letter.refresh', 'letter.refresh']);
    const text = strings(card);
    expect(text).toContain('Sent by Hana Head on Tue 10 Nov 2026, 10:25.');
    expect(text).not.toContain('Goes at 10:25 unless you send it sooner.');
    for (const p of data.paragraphs) expect(text).toContain(p.text);
  });

  it('a problem with the text shows under the box, keeping what was typed; a refusal shows on top', () => {
    const card = renderCard('letter-preview', {
      ...data,
      values: { text: '   ' },
      errors: { text: 'The letter is empty.', form: 'This letter was already sent.' },
    });
    expect(input(card, 'text').node.value).toBe('   ');
    expect(after(card, 'text')?.text).toBe('The letter is empty.');
    expect(strings(card)).toContain('This letter was already sent.');
  });
});

describe('binding failures and attachments', () => {
  it('data missing something the card shows fails loudly, naming it, instead of showing ${...}', () => {
    const broken = { ...samples['intake-confirmation'], handlerName: undefined } as unknown as CardData['intake-confirmation'];
    expect(() => renderCard('intake-confirmation', broken)).toThrow(CardBindingError);
    expect(() => renderCard('intake-confirmation', broken)).toThrow(/intake-confirmation: no data for handlerName/);
  });

  it('what a person typed is shown as typed, even if it looks like a template expression', () => {
    const card = renderCard('intake-outcome', { ...samples['intake-outcome'], values: { desiredOutcome: 'Refund of ${price}' } });
    expect(input(card, 'desiredOutcome').node.value).toBe('Refund of ${price}');
  });

  it('binding the same template again does not carry anything over', () => {
    renderCard('intake-complainant', samples['intake-complainant']);
    const card = renderCard('intake-complainant', { draftId: 'draft-2', step: 'complainant', values: {}, errors: {} });
    expect(input(card, 'complainantName').node.value).toBe('');
    expect(isErrorBlock(after(card, 'email'))).toBe(false);
    expect(execute(card, 'intake.next').data).toEqual({ draftId: 'draft-2', step: 'complainant' });
  });

  it('a bound card goes out as an Adaptive Card attachment', () => {
    const card = renderCard('message', samples.message);
    expect(cardAttachment(card)).toEqual({ contentType: 'application/vnd.microsoft.card.adaptive', content: card });
    expect(ADAPTIVE_CARD_CONTENT_TYPE).toBe('application/vnd.microsoft.card.adaptive');
  });
});
