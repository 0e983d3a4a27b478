import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ICONS,
  PACKAGE_FILE_NAME,
  SCHEMA_FILE,
  SCHEMA_VERSION,
  botCommands,
  buildPackage,
  checkIcon,
  fillManifest,
  readSettings,
  readTemplate,
  validateManifest,
  type Manifest,
} from '../../manifest/build.js';
import { ConfigError } from '../../src/config.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const APP_ID = '6f1c2a57-3b8e-4d21-9c40-2f7e8a1b5d90';

/** Every variable the packager reads, blank (so a developer's .env cannot leak in), plus the given ones. */
function envWith(vars: Record<string, string>): NodeJS.ProcessEnv {
  const blank = [
    'MicrosoftAppId',
    'BOT_DOMAIN',
    'PUBLIC_HOSTNAME',
    'APP_NAME',
    'APP_VERSION',
    'DEVELOPER_NAME',
    'DEVELOPER_WEBSITE_URL',
    'DEVELOPER_PRIVACY_URL',
    'DEVELOPER_TERMS_URL',
  ];
  return { ...process.env, ...Object.fromEntries(blank.map((k) => [k, ''])), ...vars };
}
const GOOD = { MicrosoftAppId: APP_ID, BOT_DOMAIN: 'complaints.oakfield.sch.uk' };

/** Runs `npm run manifest` as a user would (through tsx, no build step); never throws. */
async function packager(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'manifest/build.ts'), ...args], { cwd: ROOT, env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The entries of a zip file, read from its central directory (stored or deflated). */
function unzip(zip: Buffer): Map<string, Buffer> {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  expect(eocd).toBeGreaterThanOrEqual(0);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const skip = nameLen + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + skip;
  }
  return entries;
}

/** Width and height straight from the PNG's IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(buf.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** An 8-bit RGBA PNG of the given pixels, every row encoded with the given filter (0 none ... 4 Paeth). */
function encodePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number], filter = 0): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const stride = width * 4;
  const px = (x: number, y: number, c: number) => (x < 0 || y < 0 ? 0 : pixel(x, y)[c]!);
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(filter);
    for (let i = 0; i < stride; i++) {
      const x = Math.floor(i / 4),
        c = i % 4;
      const v = px(x, y, c),
        a = px(x - 1, y, c),
        b = px(x, y - 1, c),
        d = px(x - 1, y - 1, c);
      const p = a + b - d;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - d) ? a : Math.abs(p - b) <= Math.abs(p - d) ? b : d;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      rows.push((v - predictor) & 0xff);
    }
  }
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const solidPng = (size: number, rgba: [number, number, number, number]) => encodePng(size, size, () => rgba);

const clone = (m: Manifest): Manifest => JSON.parse(JSON.stringify(m)) as Manifest;
type Bot = {
  botId: string;
  scopes: string[];
  isNotificationOnly: boolean;
  supportsFiles: boolean;
  commandLists: Array<{ scopes: string[]; commands: Array<Record<string, string>> }>;
};

describe('the Teams app manifest', () => {
  const manifest = fillManifest(readSettings(envWith(GOOD)));

  it('validates offline against the vendored official schema of the version it declares', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { properties: { manifestVersion: { const: string } } };
    expect(schema.properties.manifestVersion.const).toBe(SCHEMA_VERSION);
    expect(manifest.manifestVersion).toBe(SCHEMA_VERSION);
    expect(validateManifest(manifest)).toEqual([]);
  });

  it('declares a conversational bot in personal scope only, with the commands staff type', () => {
    const bots = manifest.bots as Bot[];
    expect(bots).toHaveLength(1);
    const bot = bots[0]!;
    expect(bot).toMatchObject({ botId: APP_ID, scopes: ['personal'], isNotificationOnly: false, supportsFiles: false });
    expect(manifest.id).toBe(APP_ID);
    expect(bot.commandLists).toHaveLength(1);
    expect(bot.commandLists[0]!.scopes).toEqual(['personal']);
    expect(bot.commandLists[0]!.commands.map((c) => c.title)).toEqual(['new complaint', 'my cases', 'overdue', 'case', 'help']);
    expect(bot.commandLists[0]!.commands.find((c) => c.title === 'case')!.description).toMatch(/^case [A-Z]+-\d{4}-\d{4}: /);
    expect(botCommands()).toEqual(bot.commandLists[0]!.commands);
  });

  it('fills names, version, developer links and valid domains from the environment, with defaults', () => {
    expect(manifest).toMatchObject({
      version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
      name: { short: 'School Complaints' },
      developer: {
        name: 'School Complaints',
        websiteUrl: 'https://complaints.oakfield.sch.uk/',
        privacyUrl: 'https://complaints.oakfield.sch.uk/privacy',
        termsOfUseUrl: 'https://complaints.oakfield.sch.uk/terms',
      },
      validDomains: ['complaints.oakfield.sch.uk'],
      icons: { color: 'color.png', outline: 'outline.png' },
    });
    expect(JSON.stringify(manifest)).not.toContain('{{');

    const custom = fillManifest(
      readSettings(
        envWith({
          MicrosoftAppId: APP_ID.toUpperCase(),
          BOT_DOMAIN: 'https://bot.northmoor.org.uk/api/messages',
          PUBLIC_HOSTNAME: 'complaints.northmoor.org.uk',
          APP_NAME: 'Northmoor Complaints',
          APP_VERSION: '2.3.4',
          DEVELOPER_NAME: 'Northmoor Academy Trust',
          DEVELOPER_PRIVACY_URL: 'https://www.northmoor.org.uk/privacy-notice',
        }),
      ),
    );
    expect(custom).toMatchObject({
      id: APP_ID,
      version: '2.3.4',
      name: { short: 'Northmoor Complaints' },
      developer: { name: 'Northmoor Academy Trust', websiteUrl: 'https://bot.northmoor.org.uk/', privacyUrl: 'https://www.northmoor.org.uk/privacy-notice' },
      validDomains: ['bot.northmoor.org.uk', 'complaints.northmoor.org.uk'],
    });
    expect(validateManifest(custom)).toEqual([]);
    expect(readSettings(envWith({ MicrosoftAppId: APP_ID, PUBLIC_HOSTNAME: 'complaints.example.org' })).validDomains).toEqual(['complaints.example.org']);
  });

  it('fails validation naming the path when the bot id is not a GUID or a command has no title', () => {
    const badId = clone(manifest);
    (badId.bots as Bot[])[0]!.botId = 'complaints-bot';
    expect(validateManifest(badId)).toEqual([expect.stringMatching(/^\/bots\/0\/botId: must match pattern/)]);

    const noTitle = clone(manifest);
    delete (noTitle.bots as Bot[])[0]!.commandLists[0]!.commands[3]!.title;
    expect(validateManifest(noTitle)).toEqual(['/bots/0/commandLists/0/commands/3/title: is required']);

    const longName = clone(manifest);
    (longName.name as { short: string }).short = 'x'.repeat(31);
    expect(validateManifest(longName)).toEqual([expect.stringMatching(/^\/name\/short: must NOT have more than 30 characters/)]);

    const typo = clone(manifest);
    (typo.bots as Array<Record<string, unknown>>)[0]!.suportsFiles = false;
    expect(validateManifest(typo)).toEqual(['/bots/0/suportsFiles: is not a manifest property here']);
  });

  it('refuses a template that uses a name the packager does not fill', () => {
    const template = { ...readTemplate(), version: '{{APP_VERSON}}' };
    expect(() => fillManifest(readSettings(envWith(GOOD)), template)).toThrow(/\{\{APP_VERSON\}\}/);
  });
});

describe('the icons', () => {
  const color = readFileSync(join(ROOT, 'manifest', ICONS.color.file));
  const outline = readFileSync(join(ROOT, 'manifest', ICONS.outline.file));

  it('are PNGs of the sizes Teams requires, small, and the outline is white on transparent', () => {
    expect(pngSize(color)).toEqual({ width: 192, height: 192 });
    expect(pngSize(outline)).toEqual({ width: 32, height: 32 });
    expect(color.length).toBeLessThan(8_000);
    expect(outline.length).toBeLessThan(4_000);
    expect(checkIcon('color', color)).toEqual([]);
    expect(checkIcon('outline', outline)).toEqual([]);
  });

  it('are refused at the wrong size, not a PNG, or with a coloured outline', () => {
    expect(checkIcon('outline', color)).toEqual(['outline.png: is 192x192 pixels; Teams requires 32x32']);
    expect(checkIcon('color', outline)).toEqual(['color.png: is 32x32 pixels; Teams requires 192x192']);
    expect(checkIcon('color', Buffer.from('<svg/>'))).toEqual(['color.png: is not a PNG file']);
    expect(checkIcon('outline', solidPng(32, [200, 30, 30, 255]))).toEqual([expect.stringMatching(/^outline\.png: must be white on a transparent background/)]);
    expect(checkIcon('outline', solidPng(32, [255, 255, 255, 0]))).toEqual(['outline.png: is fully transparent']);
    expect(checkIcon('outline', solidPng(32, [255, 255, 255, 128]))).toEqual([]);
  });

  it("reads the outline's pixels whichever PNG row filter an editor used", () => {
    const alpha = (x: number, y: number) => (x * 37 + y * 11) % 256;
    for (const filter of [0, 1, 2, 3, 4]) {
      expect(
        checkIcon(
          'outline',
          encodePng(32, 32, (x, y) => [255, 255, 255, alpha(x, y)], filter),
        ),
      ).toEqual([]);
      const offWhite = encodePng(32, 32, (x, y) => (x === 20 && y === 9 ? [255, 254, 255, 200] : [255, 255, 255, alpha(x, y)]), filter);
      expect(checkIcon('outline', offWhite)).toEqual(['outline.png: must be white on a transparent background; pixel 20,9 is not white']);
    }
  });
});

describe('npm run manifest', () => {
  it('writes a zip with exactly manifest.json, color.png and outline.png at its root', async () => {
    const out = mkdtempSync(join(tmpdir(), 'manifest-'));
    const { code, stdout, stderr } = await packager(envWith(GOOD), '--out', out);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const file = join(out, PACKAGE_FILE_NAME);
    expect(stdout).toContain(`wrote ${file}`);
    const entries = unzip(readFileSync(file));
    expect([...entries.keys()].sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
    const packed = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as Manifest;
    expect(validateManifest(packed)).toEqual([]);
    expect(packed).toMatchObject({ id: APP_ID, validDomains: ['complaints.oakfield.sch.uk'], icons: { color: 'color.png', outline: 'outline.png' } });
    expect(pngSize(entries.get('color.png')!)).toEqual({ width: 192, height: 192 });
    expect(pngSize(entries.get('outline.png')!)).toEqual({ width: 32, height: 32 });
  });

  it('is reproducible: the same environment gives the same bytes', async () => {
    const a = mkdtempSync(join(tmpdir(), 'manifest-'));
    const b = mkdtempSync(join(tmpdir(), 'manifest-'));
    await buildPackage(envWith(GOOD), a);
    await buildPackage(envWith(GOOD), b);
    expect(readFileSync(join(a, PACKAGE_FILE_NAME)).equals(readFileSync(join(b, PACKAGE_FILE_NAME)))).toBe(true);
  });

  const badEnvs: Array<[string, Record<string, string>, string, RegExp]> = [
    ['no app id', { BOT_DOMAIN: 'complaints.example.org' }, 'MicrosoftAppId', /required: the bot's Microsoft App ID/],
    ['an app id that is not a GUID', { ...GOOD, MicrosoftAppId: 'complaints-bot' }, 'MicrosoftAppId', /expected the bot's Microsoft App ID, a GUID/],
    ['no domain', { MicrosoftAppId: APP_ID }, 'BOT_DOMAIN', /required \(or PUBLIC_HOSTNAME\)/],
    ['an http domain', { ...GOOD, BOT_DOMAIN: 'http://complaints.example.org' }, 'BOT_DOMAIN', /https/],
    ['a domain with spaces', { MicrosoftAppId: APP_ID, PUBLIC_HOSTNAME: 'complaints example org' }, 'PUBLIC_HOSTNAME', /expected the host name/],
    ['a two-part version', { ...GOOD, APP_VERSION: '1.2' }, 'APP_VERSION', /MAJOR\.MINOR\.PATCH/],
    ['a pre-release version', { ...GOOD, APP_VERSION: '1.2.0-beta' }, 'APP_VERSION', /MAJOR\.MINOR\.PATCH/],
    ['a name too long for Teams', { ...GOOD, APP_NAME: 'Northmoor Multi-Academy Trust Complaints' }, 'APP_NAME', /at most 30/],
    ['a developer name too long', { ...GOOD, DEVELOPER_NAME: 'The Northmoor Multi-Academy Trust Ltd' }, 'DEVELOPER_NAME', /at most 32/],
    ['an http privacy link', { ...GOOD, DEVELOPER_PRIVACY_URL: 'http://www.example.org/privacy' }, 'DEVELOPER_PRIVACY_URL', /https URL/],
    ['a terms link that is not a URL', { ...GOOD, DEVELOPER_TERMS_URL: 'our terms page' }, 'DEVELOPER_TERMS_URL', /full https URL/],
  ];
  it.each(badEnvs)('refuses %s, naming the variable', (_, vars, variable, message) => {
    let error: unknown;
    try {
      readSettings(envWith(vars));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).problem).toMatch(message);
  });

  it('exits 2 naming the variable and writes nothing when the environment is bad', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ BOT_DOMAIN: 'complaints.example.org' }, /^error: MicrosoftAppId: required/],
      [{ ...GOOD, MicrosoftAppId: 'not-a-guid' }, /^error: MicrosoftAppId: expected/],
      [{ MicrosoftAppId: APP_ID }, /^error: BOT_DOMAIN: required/],
    ];
    await Promise.all(
      cases.map(async ([vars, message]) => {
        const out = mkdtempSync(join(tmpdir(), 'manifest-'));
        const { code, stderr, stdout } = await packager(envWith(vars), '--out', out);
        expect(code).toBe(2);
        expect(stderr).toMatch(message);
        expect(stdout).toBe('');
        expect(existsSync(join(out, PACKAGE_FILE_NAME))).toBe(false);
      }),
    );
  });

  it('runs as an npm script', async () => {
    const out = mkdtempSync(join(tmpdir(), 'manifest-'));
    const { stdout } = await run('npm', ['run', '--silent', 'manifest', '--', '--out', out], { cwd: ROOT, env: envWith(GOOD) });
    expect(stdout).toContain(PACKAGE_FILE_NAME);
    expect(existsSync(join(out, PACKAGE_FILE_NAME))).toBe(true);
  });
});
