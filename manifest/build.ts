/**
 * `npm run manifest`: fills manifest/manifest.template.json from the environment, validates the
 * result offline against the vendored official schema (manifest/schema/, see its README), checks
 * the two icons, and writes the Teams app package manifest/build/complaints-teams-app.zip
 * (manifest.json, color.png and outline.png at the zip's root) for sideloading or upload in the
 * Teams admin centre.
 *
 * | variable              | default                       | meaning                                           |
 * |-----------------------|-------------------------------|---------------------------------------------------|
 * | MicrosoftAppId        | (required)                    | the bot's app id (a GUID); also the Teams app id  |
 * | BOT_DOMAIN            | PUBLIC_HOSTNAME               | public host name of the bot, put in validDomains  |
 * | PUBLIC_HOSTNAME       | (one of the two is required)  | also added to validDomains when both are set      |
 * | APP_NAME              | School Complaints             | the app's name in Teams (at most 30 characters)   |
 * | APP_VERSION           | package.json's version        | MAJOR.MINOR.PATCH; raise it for every new upload  |
 * | DEVELOPER_NAME        | APP_NAME                      | who publishes the app (at most 32 characters)     |
 * | DEVELOPER_WEBSITE_URL | https://BOT_DOMAIN/           | https URL shown on the app's details page         |
 * | DEVELOPER_PRIVACY_URL | https://BOT_DOMAIN/privacy    | https URL of the privacy notice                   |
 * | DEVELOPER_TERMS_URL   | https://BOT_DOMAIN/terms      | https URL of the terms of use                     |
 *
 * A .env file at the repository root fills in what the environment does not set. Empty values
 * count as unset. Exit codes: 0 written, 1 the package is invalid (template or icons), 2 a bad or
 * missing variable (the message names it). `--out DIR` writes the zip to DIR instead.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ZipFile } from 'yazl';
import { ConfigError } from '../src/config.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');

/** The manifest schema version the template uses and the vendored schema validates. */
export const SCHEMA_VERSION = '1.23';
export const SCHEMA_FILE = join(HERE, 'schema', `v${SCHEMA_VERSION}`, 'MicrosoftTeams.schema.json');
export const TEMPLATE_FILE = join(HERE, 'manifest.template.json');
export const PACKAGE_FILE_NAME = 'complaints-teams-app.zip';
export const DEFAULT_OUT_DIR = join(HERE, 'build');
/** The icons Teams requires: a full-colour 192x192 and a white-on-transparent 32x32 outline. */
export const ICONS = {
  color: { file: 'color.png', width: 192, height: 192 },
  outline: { file: 'outline.png', width: 32, height: 32 },
} as const;

export interface ManifestSettings {
  appId: string;
  validDomains: string[];
  appName: string;
  appVersion: string;
  developerName: string;
  websiteUrl: string;
  privacyUrl: string;
  termsUrl: string;
}

export type Manifest = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Environment

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const value = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

/** A host name from "complaints.example.org" or a pasted https URL such as the messaging endpoint. */
function hostName(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `https://${raw}`);
  } catch {
    throw new ConfigError(name, 'expected the host name the bot is reached at, such as complaints.example.org');
  }
  if (url.protocol !== 'https:') throw new ConfigError(name, 'Teams only talks to a bot over https; give the host name, such as complaints.example.org');
  const host = url.hostname.toLowerCase();
  if (!HOST.test(host)) throw new ConfigError(name, 'expected the host name the bot is reached at, such as complaints.example.org');
  return host;
}

function httpsUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'expected a full https URL, such as https://www.example.org/privacy');
  }
  if (url.protocol !== 'https:') throw new ConfigError(name, 'Teams requires an https URL here, such as https://www.example.org/privacy');
  if (raw.length > 2048) throw new ConfigError(name, 'is longer than the 2048 characters Teams allows');
  return raw;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Reads and checks the variables; throws ConfigError naming the first bad or missing one. */
export function readSettings(env: NodeJS.ProcessEnv = process.env, defaultVersion = packageVersion()): ManifestSettings {
  const appId = value(env, 'MicrosoftAppId');
  if (appId === undefined)
    throw new ConfigError(
      'MicrosoftAppId',
      "required: the bot's Microsoft App ID from its Azure Bot registration, a GUID such as 6f1c2a57-3b8e-4d21-9c40-2f7e8a1b5d90",
    );
  if (!GUID.test(appId)) throw new ConfigError('MicrosoftAppId', "expected the bot's Microsoft App ID, a GUID such as 6f1c2a57-3b8e-4d21-9c40-2f7e8a1b5d90");

  const botDomain = value(env, 'BOT_DOMAIN');
  const publicHost = value(env, 'PUBLIC_HOSTNAME');
  if (botDomain === undefined && publicHost === undefined) {
    throw new ConfigError('BOT_DOMAIN', 'required (or PUBLIC_HOSTNAME): the public host name the bot is reached at, such as complaints.example.org');
  }
  const domains = [
    ...(botDomain === undefined ? [] : [hostName('BOT_DOMAIN', botDomain)]),
    ...(publicHost === undefined ? [] : [hostName('PUBLIC_HOSTNAME', publicHost)]),
  ];
  const validDomains = [...new Set(domains)];
  const site = `https://${validDomains[0]}`;

  const appName = value(env, 'APP_NAME') ?? 'School Complaints';
  if (appName.length > 30) throw new ConfigError('APP_NAME', `is ${appName.length} characters; Teams allows at most 30`);

  const appVersion = value(env, 'APP_VERSION') ?? defaultVersion;
  if (!SEMVER.test(appVersion)) {
    throw new ConfigError('APP_VERSION', 'expected a version such as 1.4.0 (MAJOR.MINOR.PATCH, no suffix); raise it each time you upload a changed package');
  }

  const developerName = value(env, 'DEVELOPER_NAME') ?? appName;
  if (developerName.length > 32) throw new ConfigError('DEVELOPER_NAME', `is ${developerName.length} characters; Teams allows at most 32`);

  return {
    appId: appId.toLowerCase(),
    validDomains,
    appName,
    appVersion,
    developerName,
    websiteUrl: httpsUrl(env, 'DEVELOPER_WEBSITE_URL', `${site}/`),
    privacyUrl: httpsUrl(env, 'DEVELOPER_PRIVACY_URL', `${site}/privacy`),
    termsUrl: httpsUrl(env, 'DEVELOPER_TERMS_URL', `${site}/terms`),
  };
}

// ---------------------------------------------------------------------------------------------
// Template

export function readTemplate(): Manifest {
  return JSON.parse(readFileSync(TEMPLATE_FILE, 'utf8')) as Manifest;
}

/**
 * Replaces {{NAME}} in every string of the template. An array element that is exactly
 * "{{VALID_DOMAINS}}" becomes the list of domains. An unknown name is a template bug.
 */
export function fillManifest(settings: ManifestSettings, template: Manifest = readTemplate()): Manifest {
  const tokens: Record<string, string> = {
    MicrosoftAppId: settings.appId,
    APP_NAME: settings.appName,
    APP_VERSION: settings.appVersion,
    DEVELOPER_NAME: settings.developerName,
    DEVELOPER_WEBSITE_URL: settings.websiteUrl,
    DEVELOPER_PRIVACY_URL: settings.privacyUrl,
    DEVELOPER_TERMS_URL: settings.termsUrl,
  };
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
        const v = tokens[name];
        if (v === undefined) throw new Error(`manifest.template.json uses {{${name}}}, which the packager does not know`);
        return v;
      });
    }
    if (Array.isArray(node)) return node.flatMap((item) => (item === '{{VALID_DOMAINS}}' ? settings.validDomains : [fill(item)]));
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]));
    return node;
  };
  return fill(template) as Manifest;
}

/** The personal-scope commands as the manifest lists them (for the welcome and help cards). */
export function botCommands(template: Manifest = readTemplate()): Array<{ title: string; description: string }> {
  const bots = template.bots as Array<{ commandLists?: Array<{ scopes: string[]; commands: Array<{ title: string; description: string }> }> }>;
  return bots[0]?.commandLists?.find((l) => l.scopes.includes('personal'))?.commands ?? [];
}

// ---------------------------------------------------------------------------------------------
// Schema validation

let validator: ValidateFunction | undefined;

/**
 * The vendored schema declares draft-04 but uses only keywords whose meaning is the same in
 * draft-07, Ajv's default; Ajv in strict mode refuses the two draft-04-only forms (an `id`
 * keyword, boolean exclusiveMinimum/Maximum), so a future schema that needs them fails loudly
 * here rather than validating wrongly. strictTypes and strictRequired are off because the
 * official schema leaves `type` implicit and lists conditional required properties.
 */
function schemaValidator(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats.default(ajv);
  validator = ajv.compile(schema);
  return validator;
}

function describeError(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return `${e.instancePath}/${String(params.missingProperty)}: is required`;
  if (e.keyword === 'additionalProperties') return `${e.instancePath}/${String(params.additionalProperty)}: is not a manifest property here`;
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword}`;
}

/** Validates against the vendored schema; returns one "path: problem" line per error (none when valid). */
export function validateManifest(manifest: unknown): string[] {
  const validate = schemaValidator();
  if (validate(manifest)) return [];
  return [...new Set((validate.errors ?? []).map(describeError))];
}

// ---------------------------------------------------------------------------------------------
// Icons

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** Width, height and format from a PNG's signature and IHDR chunk; undefined if it is not a PNG. */
export function pngInfo(buf: Buffer): PngInfo | undefined {
  if (buf.length < 33 || !buf.subarray(0, 8).equals(PNG_SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), bitDepth: buf[24]!, colorType: buf[25]!, interlace: buf[28]! };
}

/** RGBA pixels of an 8-bit, non-interlaced PNG with alpha (colour type 4 or 6). */
function rgbaPixels(buf: Buffer, info: PngInfo): Uint8Array {
  const parts: Buffer[] = [];
  for (let at = 8; at + 8 <= buf.length;) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') parts.push(buf.subarray(at + 8, at + 8 + len));
    if (type === 'IEND') break;
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(parts));
  const channels = info.colorType === 6 ? 4 : 2;
  const stride = info.width * channels;
  const out = new Uint8Array(info.width * info.height * channels);
  for (let y = 0; y < info.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const r = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? out[y * stride + x - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = y > 0 && x >= channels ? out[(y - 1) * stride + x - channels]! : 0;
      let v: number;
      if (filter === 0) v = r;
      else if (filter === 1) v = r + a;
      else if (filter === 2) v = r + b;
      else if (filter === 3) v = r + ((a + b) >> 1);
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        v = r + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      } else throw new Error(`unknown PNG filter ${filter}`);
      out[y * stride + x] = v & 0xff;
    }
  }
  if (channels === 4) return out;
  const rgba = new Uint8Array(info.width * info.height * 4);
  for (let i = 0; i < info.width * info.height; i++) rgba.set([out[i * 2]!, out[i * 2]!, out[i * 2]!, out[i * 2 + 1]!], i * 4);
  return rgba;
}

/** Problems with one icon (none when it is right): a PNG of the required size; the outline white on transparent. */
export function checkIcon(kind: keyof typeof ICONS, buf: Buffer): string[] {
  const want = ICONS[kind];
  const info = pngInfo(buf);
  if (!info) return [`${want.file}: is not a PNG file`];
  if (info.width !== want.width || info.height !== want.height) {
    return [`${want.file}: is ${info.width}x${info.height} pixels; Teams requires ${want.width}x${want.height}`];
  }
  if (kind === 'outline') {
    if (info.bitDepth !== 8 || info.interlace !== 0 || (info.colorType !== 6 && info.colorType !== 4)) {
      return [`${want.file}: must be an 8-bit, non-interlaced PNG with a transparent background (RGBA or grey with alpha)`];
    }
    const px = rgbaPixels(buf, info);
    let visible = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0) continue;
      visible++;
      if (px[i] !== 255 || px[i + 1] !== 255 || px[i + 2] !== 255)
        return [`${want.file}: must be white on a transparent background; pixel ${(i / 4) % info.width},${Math.floor(i / 4 / info.width)} is not white`];
    }
    if (visible === 0) return [`${want.file}: is fully transparent`];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Package

export class PackageError extends Error {
  override readonly name = 'PackageError';
  constructor(readonly problems: string[]) {
    super(`the app package is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** A fixed timestamp, so the same inputs give the same zip bytes. */
const ZIP_TIME = new Date(2026, 0, 1, 0, 0, 0);

/** Writes the zip atomically (a temporary file renamed into place). */
function writeZip(file: string, entries: Array<[string, Buffer]>): Promise<void> {
  return new Promise((done, fail) => {
    const zip = new ZipFile();
    for (const [name, data] of entries) zip.addBuffer(data, name, { mtime: ZIP_TIME, mode: 0o100644 });
    const tmp = `${file}.${process.pid}.tmp`;
    const out = createWriteStream(tmp);
    out.on('error', fail);
    out.on('close', () => {
      try {
        renameSync(tmp, file);
        done();
      } catch (e) {
        fail(e);
      }
    });
    zip.outputStream.on('error', fail).pipe(out);
    zip.end();
  });
}

/**
 * Builds the package from the environment. Throws ConfigError for a bad variable, PackageError
 * when the filled manifest or an icon is invalid (nothing is written then).
 */
export async function buildPackage(env: NodeJS.ProcessEnv = process.env, outDir = DEFAULT_OUT_DIR): Promise<{ file: string; manifest: Manifest }> {
  const manifest = fillManifest(readSettings(env));
  const problems = validateManifest(manifest);
  const icons = manifest.icons as { color?: unknown; outline?: unknown } | undefined;
  const files: Array<[string, Buffer]> = [['manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]];
  for (const kind of ['color', 'outline'] as const) {
    const name = ICONS[kind].file;
    if (icons?.[kind] !== name) problems.push(`/icons/${kind}: expected "${name}", the file the package contains`);
    const buf = readFileSync(join(HERE, name));
    problems.push(...checkIcon(kind, buf));
    files.push([name, buf]);
  }
  if (problems.length > 0) throw new PackageError(problems);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, PACKAGE_FILE_NAME);
  await writeZip(file, files);
  return { file, manifest };
}

async function main(argv: string[]): Promise<number> {
  let outDir = DEFAULT_OUT_DIR;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) outDir = resolve(argv[++i]!);
    else {
      process.stderr.write(`error: unknown argument ${argv[i]}; usage: npm run manifest [-- --out DIR]\n`);
      return 2;
    }
  }
  if (existsSync(join(ROOT, '.env'))) process.loadEnvFile(join(ROOT, '.env'));
  try {
    const { file, manifest } = await buildPackage(process.env, outDir);
    const bot = (manifest.bots as Array<{ botId: string }>)[0]!;
    process.stdout.write(
      `wrote ${file}\n` +
        `  app "${(manifest.name as { short: string }).short}" version ${String(manifest.version)}, bot ${bot.botId}, valid domains ${(manifest.validDomains as string[]).join(', ')}\n` +
        `  manifest ${SCHEMA_VERSION} checked against manifest/schema/v${SCHEMA_VERSION}; upload it in Teams (Apps > Manage your apps > Upload an app) or the Teams admin centre\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof PackageError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
