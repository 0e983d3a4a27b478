/**
 * Renders bound cards with the Adaptive Cards JS renderer (the `adaptivecards` package's dist
 * bundle) in Debian's headless Chromium, driven by playwright-core. Nothing is fetched from the
 * network: the page is set inline and the renderer's bundle and stylesheet are added from
 * node_modules. Used by chromium.test.ts and the screenshot script.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { AdaptiveCardJson } from '../../bot/cards.js';

const require = createRequire(import.meta.url);
const DIST = join(dirname(require.resolve('adaptivecards/package.json')), 'dist');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Roughly Teams' light theme, so screenshots look like what staff will see. */
const HOST_CONFIG = {
  fontFamily: "'Segoe UI', 'Liberation Sans', Arial, sans-serif",
  supportsInteractivity: true,
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#E1DFDD' },
  fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#7F85F5' },
        good: { default: '#237B4B', subtle: '#4CA36F' },
        warning: { default: '#835B00', subtle: '#A07B1E' },
        attention: { default: '#C4314B', subtle: '#D36174' },
        dark: { default: '#242424', subtle: '#616161' },
        light: { default: '#FFFFFF', subtle: '#F5F5F5' },
      },
    },
    emphasis: { backgroundColor: '#F5F5F5' },
    good: { backgroundColor: '#E7F2DA' },
    warning: { backgroundColor: '#FBF6D9' },
    attention: { backgroundColor: '#FDF3F4' },
    accent: { backgroundColor: '#E8EBFA' },
  },
  actions: {
    maxActions: 6,
    spacing: 'default',
    buttonSpacing: 8,
    showCard: { actionMode: 'inline', inlineTopMargin: 12, style: 'emphasis' },
    actionsOrientation: 'horizontal',
    actionAlignment: 'left',
  },
  factSet: {
    title: { weight: 'bolder', wrap: true, maxWidth: 150 },
    value: { wrap: true },
    spacing: 8,
  },
  inputs: { label: { inputSpacing: 'small', requiredInputs: { suffix: ' *', suffixColor: 'attention' } }, errorMessage: { size: 'small', color: 'attention' } },
};

const CSS = `
  body { margin: 0; padding: 16px; background: #F5F5F5; font-family: 'Segoe UI', 'Liberation Sans', Arial, sans-serif; }
  #card { width: 600px; background: #fff; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.15); overflow: hidden; }
  .ac-pushButton { font: inherit; font-size: 14px; font-weight: 600; padding: 5px 12px; border: 1px solid #D1D1D1; border-radius: 4px; background: #fff; color: #242424; cursor: pointer; }
  .ac-pushButton.style-positive { background: #5B5FC7; border-color: #5B5FC7; color: #fff; }
  .ac-pushButton.expanded { background: #E8EBFA; color: #242424; border-color: #D1D1D1; }
  .ac-pushButton.expandable:after { font-family: inherit; font-size: 11px; font-weight: 400; content: '\\25BE'; margin-left: 6px; }
  .ac-pushButton.expandable.expanded:after { content: '\\25B4'; }
  .ac-input { font: inherit; font-size: 14px; }
  .ac-textInput, .ac-dateInput, .ac-choiceSetInput-compact { border: 1px solid #D1D1D1; border-radius: 4px; padding: 5px 8px; box-sizing: border-box; }
  .ac-multiline { min-height: 64px; }
`;

export interface ParseEvent {
  phase: string;
  event: string;
  message: string;
}

export interface Rendered {
  /** Events logged while parsing the card JSON (unknown types or properties, bad values...). */
  parseEvents: ParseEvent[];
  /** Events from the renderer's validation of the parsed card (duplicate ids, missing labels...). */
  validationEvents: ParseEvent[];
  /** Console warnings and errors on the page while rendering, and uncaught page errors. */
  consoleProblems: string[];
  html: string;
  /** All text in the rendered card (a show-card's content is only there once it is opened). */
  text: string;
  /** Text a person sees now. */
  visibleText: string;
  /** What each input holds, by id, as it would be sent. */
  inputValues: Record<string, string>;
}

export interface RenderOptions {
  /** Open the show-card with this button title before reading the card. */
  openShowCard?: string;
}

export interface CardRenderer {
  render(card: AdaptiveCardJson, opts?: RenderOptions): Promise<Rendered>;
  /** Renders the card (as render does) and saves a PNG of it. */
  screenshot(card: AdaptiveCardJson, path: string, opts?: RenderOptions): Promise<void>;
  close(): Promise<void>;
}

/**
 * Code run in the page (plain JavaScript, so that no compiler helper leaks into it): parse the
 * card with a serialization context, validate it, render it into #card.
 */
const PAGE_SCRIPT = `
(() => {
  const AC = window.AdaptiveCards;
  const hostConfig = ${JSON.stringify(HOST_CONFIG)};
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = '<p>' + escape(text).replace(/\\*\\*(.+?)\\*\\*/g, '<strong>$1</strong>').replace(/\\n/g, '<br>') + '</p>';
    result.didProcess = true;
  };
  const describe = (e) => ({ phase: AC.ValidationPhase[e.phase], event: AC.ValidationEvent[e.event], message: e.message });
  window.renderBoundCard = (json) => {
    const host = document.getElementById('card');
    host.replaceChildren();
    const card = new AC.AdaptiveCard();
    card.hostConfig = new AC.HostConfig(hostConfig);
    card.onExecuteAction = () => undefined;
    const context = new AC.SerializationContext(AC.Versions.v1_5);
    card.parse(json, context);
    const parseEvents = [];
    for (let i = 0; i < context.eventCount; i++) parseEvents.push(describe(context.getEventAt(i)));
    const validationEvents = card.validateProperties().validationEvents.map(describe);
    const element = card.render();
    host.appendChild(element);
    window.renderedCard = card;
    return { parseEvents, validationEvents };
  };
  window.readRenderedCard = () => {
    const element = document.getElementById('card');
    const inputValues = {};
    for (const input of window.renderedCard.getAllInputs()) if (input.id) inputValues[input.id] = input.value === undefined ? '' : String(input.value);
    return { html: element.innerHTML, text: element.textContent || '', visibleText: element.innerText, inputValues };
  };
})();
`;

export async function startCardRenderer(): Promise<CardRenderer> {
  const profile = mkdtempSync(join(tmpdir(), 'cards-chromium-'));
  let context: BrowserContext | undefined;
  try {
    // A fresh profile each time (the user data dir), never a downloaded browser.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--lang=en-GB',
      ],
      locale: 'en-GB',
      timezoneId: 'Europe/London',
      viewport: { width: 640, height: 900 },
      deviceScaleFactor: 1,
    });
    // Everything the page needs is inline; refuse any request so a card cannot reach out.
    await context.route('**/*', (route) => route.abort());
    const page: Page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning' || m.type() === 'error') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.setContent(`<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>card</title></head><body><div id="card"></div></body></html>`);
    await page.addStyleTag({ path: join(DIST, 'adaptivecards.css') });
    await page.addStyleTag({ content: CSS });
    await page.addScriptTag({ path: join(DIST, 'adaptivecards.min.js') });
    await page.addScriptTag({ content: PAGE_SCRIPT });

    const render = async (card: AdaptiveCardJson, opts: RenderOptions = {}): Promise<Rendered> => {
      problems.length = 0;
      const parsed = (await page.evaluate(`window.renderBoundCard(${JSON.stringify(card)})`)) as Pick<Rendered, 'parseEvents' | 'validationEvents'>;
      if (opts.openShowCard) await page.locator('#card button.ac-pushButton', { hasText: opts.openShowCard }).first().click();
      const read = (await page.evaluate('window.readRenderedCard()')) as Pick<Rendered, 'html' | 'text' | 'visibleText' | 'inputValues'>;
      return { ...parsed, ...read, consoleProblems: [...problems] };
    };
    return {
      render,
      async screenshot(card, path, opts = {}) {
        await render(card, opts);
        await page.locator('#card').screenshot({ path, animations: 'disabled' });
      },
      async close() {
        await context?.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}
