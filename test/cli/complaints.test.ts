import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCENARIO_DIR, mismatches, scenarioPairs } from '../helpers/scenarios.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const POLICIES = join(ROOT, 'test/fixtures/policies');

/** Runs the command line as a user would (through tsx, no build step); never throws. */
async function complaints(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function scenarioFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
  const file = join(dir, 'scenario.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const received = { type: 'received', at: '2026-11-06T09:00', stage: 1 };

describe('complaints simulate', () => {
  it('works through "npm run --silent complaints" right after install, printing the fold as JSON', async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'complaints', '--', 'simulate', join(SCENARIO_DIR, 'nmat-panel.json')], { cwd: ROOT });
    const pair = scenarioPairs().find((p) => p.name === 'nmat-panel')!;
    expect(mismatches(pair.expected, JSON.parse(stdout))).toEqual([]);
  });

  it('prints every shared scenario\'s expected answer', async () => {
    for (const pair of scenarioPairs()) {
      const { code, stdout } = await complaints('simulate', pair.file);
      expect(code).toBe(0);
      expect(mismatches(pair.expected, JSON.parse(stdout))).toEqual([]);
    }
  });

  it('accepts a policy given as a path to a pack file', async () => {
    const file = scenarioFile({ policy: join(POLICIES, 'oakfield.json'), calendar: { terms: [{ start: '2026-11-02', end: '2026-12-18' }] }, events: [received], now: '2026-11-06T10:00' });
    const { code, stdout } = await complaints('simulate', file);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.policy).toBe('oakfield');
    // 2 school days after Fri 6 Nov: Mon 9, Tue 10.
    expect(out.deadlines[0]).toMatchObject({ kind: 'acknowledge', due: '2026-11-10', overdue: false });
  });

  const badInputs: Array<[string, unknown, RegExp]> = [
    ['an unknown policy', { policy: 'oakwood', events: [received] }, /unknown policy "oakwood"; built-in policies are miet, miag, kpsspp, sil, nmat/],
    ['a malformed date', { policy: 'sil', events: [{ ...received, at: '2026-02-30T09:00' }] }, /events\[0\]\.at: expected a date-time/],
    ['an event for a stage that does not exist', { policy: 'sil', events: [{ ...received, stage: 3 }] }, /events\[0\]\.stage: the sil policy has stages 1 to 2; there is no stage 3/],
    [
      'events out of order',
      { policy: 'sil', events: [received, { type: 'acknowledged', at: '2026-11-05T09:00' }] },
      /events\[1\]\.at: this acknowledged event \(2026-11-05T09:00:00Z\) is earlier than the event before it/,
    ],
    [
      'a calendar with overlapping terms',
      { policy: 'nmat', calendar: { terms: [{ start: '2026-09-02', end: '2026-10-23' }, { start: '2026-10-01', end: '2026-12-18' }] }, events: [received] },
      /calendar\.terms\[1\]: the term 2026-10-01 to 2026-12-18 overlaps the term 2026-09-02 to 2026-10-23/,
    ],
    ['an unknown event type', { policy: 'sil', events: [received, { type: 'escalated', at: '2026-11-07T09:00' }] }, /events\[1\]\.type: expected one of received, acknowledged/],
    ['an outcome the stage does not allow', { policy: 'sil', events: [received, { type: 'responded', at: '2026-11-09T09:00', outcome: 'dismissed' }] }, /events\[1\]\.outcome: stage 1 of sil can end resolved, upheld, partially_upheld, not_upheld/],
    ['a misspelt field', { policy: 'sil', evnets: [received] }, /unknown field evnets/],
    ['a role the policy does not have', { policy: 'sil', case: { about: 'head_teacher' }, events: [received] }, /case\.about: "head_teacher" is not a role in the sil policy/],
  ];

  for (const [what, scenario, message] of badInputs) {
    it(`exits 2 naming the field for ${what}, without a stack trace`, async () => {
      const { code, stdout, stderr } = await complaints('simulate', scenarioFile(scenario));
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('exits 2 for a file that is not JSON or does not exist', async () => {
    const notJson = await complaints('simulate', scenarioFile('{ "policy": "nmat", '));
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/not valid JSON/);
    const missing = await complaints('simulate', '/nonexistent/scenario.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });
});

describe('complaints policy', () => {
  it('shows a built-in pack with its stages, clocks, routing and citations', async () => {
    const { code, stdout } = await complaints('policy', 'show', 'nmat');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Stage 4: Trust Response: Panel Hearing \(final stage\)/);
    expect(stdout).toMatch(/hearing_notice\s+10 school days before the hearing\s+owed by governance_lead/);
    expect(stdout).toMatch(/If the complaint is about head_of_school: handled by executive_principal\s+\[§3/);
    expect(stdout).toMatch(/Retention: 6 years from closure, 40 years for looked-after children/);
  });

  it('checks a valid school pack', async () => {
    const { code, stdout } = await complaints('policy', 'check', join(POLICIES, 'oakfield.json'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/valid policy "oakfield"/);
  });

  it('lists every problem in a bad pack, each with its field, and exits 2', async () => {
    const { code, stderr } = await complaints('policy', 'check', join(POLICIES, 'bad-policy.json'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/4 problems/);
    expect(stderr).toMatch(/stages\[1\]\.number: stages must be numbered 1, 2, 3 \.\.\. in order; expected 2, got 3/);
    expect(stderr).toMatch(/stages\[1\]\.handler: "headteacher" is not one of the policy's roles \(teacher, head_teacher\)/);
    expect(stderr).toMatch(/stages\[0\]\.routing: stage 1 is handled by teacher, so a complaint about teacher needs a routing rule/);
    expect(stderr).toMatch(/stages\[1\]\.clocks\[0\]\.kind: stage 3 is the final stage/);
  });

  it('explains an unknown command', async () => {
    const { code, stderr } = await complaints('simulat');
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "simulat"/);
    expect(stderr).toMatch(/Usage:/);
  });
});
