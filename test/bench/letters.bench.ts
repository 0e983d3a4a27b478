/**
 * Letters rendered per second: acknowledgement, outcome (with a decision to escape), panel
 * invitation and panel decision letters across every stage of the five built-in policies.
 * Pure rendering (no Graph, no database); `npm run bench` (test/bench/main.ts) runs it.
 */
import { BUILT_IN_POLICY_IDS, builtInPolicy } from '../../src/domain/packs/index.js';
import { renderLetter, type LetterData, type LetterKind } from '../../src/letters/letters.js';

function samples(): Array<[LetterKind, LetterData]> {
  const out: Array<[LetterKind, LetterData]> = [];
  for (const id of BUILT_IN_POLICY_IDS) {
    const policy = builtInPolicy(id);
    for (const stage of policy.stages) {
      const deadlines = stage.clocks.map((c) => ({ stage: stage.number, kind: c.kind, due: c.unit === 'hours' ? '2026-11-04T10:00:00Z' : '2026-11-27' }));
      const base: LetterData = {
        schoolName: `${policy.organisation} school`,
        complainantName: 'Priya Parent',
        reference: `${id.toUpperCase()}-2026-0042`,
        policy,
        stage: stage.number,
        date: '2026-11-10',
        stageReceivedOn: '2026-11-03',
        deadlines,
      };
      out.push(['acknowledgement', base]);
      out.push([stage.panel?.hearing ? 'panel_decision' : 'outcome', { ...base, outcome: stage.outcomes[stage.outcomes.length - 1]!, decision: 'We looked into this carefully. <b>Reasons</b> & "details" follow.\n\nSecond paragraph.', hearingOn: '2026-11-20' }]);
      if (stage.panel?.hearing) out.push(['panel_invitation', { ...base, hearingOn: '2026-11-20' }]);
    }
  }
  return out;
}

export function benchLetters(): Record<string, string> {
  const letters = samples();
  let bytes = 0;
  for (let i = 0; i < 200; i++) for (const [k, d] of letters) bytes += renderLetter(k, d).html.length; // warm up
  bytes = 0;
  const started = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() - started < 1_000_000_000n) {
    for (const [k, d] of letters) {
      const l = renderLetter(k, d);
      bytes += l.html.length + l.text.length;
      n++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(n / seconds);
  const result = { 'letters: rendered per second': `${perSecond.toLocaleString('en-GB')} (HTML and text, ${letters.length} letters across every stage of the five policies; ${Math.round(bytes / n)} bytes each)` };
  return result;
}
