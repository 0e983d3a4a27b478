/**
 * Writes the README's card screenshots to docs/screenshots/, rendered the way the Chromium
 * tests render them (Adaptive Cards JS renderer, Debian's headless Chromium, Teams-like
 * colours). Not part of the test run:
 *
 *   npx tsx test/cards/screenshots.ts
 */
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCard } from '../../bot/cards.js';
import { startCardRenderer } from './browser.js';
import { panelSteps, samples } from './samples.js';

const dir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
mkdirSync(dir, { recursive: true });

function step(name: string) {
  const found = panelSteps.find(([n]) => n === name);
  if (!found) throw new Error(`no panel booking sample "${name}" in test/cards/samples.ts`);
  return found[1];
}

const shots = [
  { file: 'intake-complainant-error.png', card: renderCard('intake-complainant', samples['intake-complainant']) },
  { file: 'intake-confirmation.png', card: renderCard('intake-confirmation', samples['intake-confirmation']) },
  {
    file: 'case-task.png',
    // The stage task after the head acknowledged it: the overdue response and what is left to do.
    card: renderCard('case-task', { ...samples['case-task'], can: { ...samples['case-task'].can, acknowledge: false }, values: {}, errors: {} }),
  },
  // The clerk's panel booking: the panel (who is excluded and why, the independence rule not met yet),
  // a date (three proposals, and a typed date outside the window asking for a reason), booked (answers, NMAT's rejected dates).
  { file: 'panel-booking-choose.png', card: renderCard('panel-booking', samples['panel-booking']) },
  { file: 'panel-booking-date.png', card: renderCard('panel-booking', step('panel booking: pick a date')) },
  { file: 'panel-booking-booked.png', card: renderCard('panel-booking', step('panel booking: booked')) },
  { file: 'letter-preview.png', card: renderCard('letter-preview', samples['letter-preview']) },
];

const renderer = await startCardRenderer();
try {
  for (const shot of shots) {
    const path = `${dir}${shot.file}`;
    await renderer.screenshot(shot.card, path);
    const kb = Math.round(statSync(path).size / 1024);
    console.log(`${path} (${kb} KB)`);
    if (kb > 150) throw new Error(`${shot.file} is ${kb} KB; keep screenshots under 150 KB`);
  }
} finally {
  await renderer.close();
}
