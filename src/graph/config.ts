/**
 * Microsoft Graph settings, from the environment, validated with zod. A bad value stops the
 * program with a ConfigError naming the variable. Graph is optional: with none of the GRAPH_*
 * variables set, `loadGraphConfig` returns undefined (no calendars, letters or directory look-ups).
 *
 * | variable                  | meaning                                                                      |
 * |---------------------------|------------------------------------------------------------------------------|
 * | GRAPH_TENANT_ID           | the Microsoft Entra tenant: its id (a GUID) or a domain such as contoso.onmicrosoft.com |
 * | GRAPH_CLIENT_ID           | the app registration's Application (client) id, a GUID                       |
 * | GRAPH_CLIENT_SECRET       | a client secret of that app registration; or else:                          |
 * | GRAPH_CERTIFICATE_PATH    | a PEM file with the certificate uploaded to the app registration and its private key |
 * | GRAPH_CERTIFICATE_KEY_PATH | (optional) the private key in its own PEM file                              |
 * | GRAPH_CERTIFICATE_PASSWORD | (optional) the passphrase of an encrypted private key                       |
 * | GRAPH_BASE_URL            | default https://graph.microsoft.com/v1.0 (tests: the local stand-in)         |
 * | GRAPH_AUTHORITY_URL       | default https://login.microsoftonline.com                                    |
 * | COMPLAINTS_MAILBOX        | the mailbox letters are sent from, e.g. complaints@school.org.uk            |
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../config.js';

export interface GraphCertificate {
  /** PEM of the X.509 certificate registered on the app. */
  certificatePem: string;
  /** PEM of its private key (RSA). */
  privateKeyPem: string;
  passphrase?: string;
}

export interface GraphConfig {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: GraphCertificate;
  baseUrl: string;
  authorityUrl: string;
  complaintsMailbox: string;
}

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';
export const DEFAULT_AUTHORITY_URL = 'https://login.microsoftonline.com';

const blank = (v: unknown) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const httpUrl = (example: string) =>
  z
    .string()
    .refine((s) => {
      try {
        const u = new URL(s);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    }, `expected an http(s) URL such as ${example}`)
    .transform((s) => s.replace(/\/+$/, ''));

const graphEnv = z.object({
  GRAPH_TENANT_ID: z.preprocess(
    blank,
    z.string({ message: 'required when Microsoft Graph is configured: the Microsoft Entra tenant id (a GUID) or its domain' }).refine((s) => GUID.test(s) || DOMAIN.test(s), 'expected the Microsoft Entra tenant id (a GUID) or a domain such as contoso.onmicrosoft.com'),
  ),
  GRAPH_CLIENT_ID: z.preprocess(
    blank,
    z.string({ message: "required when Microsoft Graph is configured: the app registration's Application (client) id" }).regex(GUID, "expected the app registration's Application (client) id, a GUID"),
  ),
  GRAPH_CLIENT_SECRET: z.preprocess(blank, z.string().optional()),
  GRAPH_CERTIFICATE_PATH: z.preprocess(blank, z.string().optional()),
  GRAPH_CERTIFICATE_KEY_PATH: z.preprocess(blank, z.string().optional()),
  GRAPH_CERTIFICATE_PASSWORD: z.preprocess(blank, z.string().optional()),
  GRAPH_BASE_URL: z.preprocess(blank, httpUrl(DEFAULT_GRAPH_BASE_URL).default(DEFAULT_GRAPH_BASE_URL)),
  GRAPH_AUTHORITY_URL: z.preprocess(blank, httpUrl(DEFAULT_AUTHORITY_URL).default(DEFAULT_AUTHORITY_URL)),
  COMPLAINTS_MAILBOX: z.preprocess(
    blank,
    z.email({ message: 'expected the email address of the mailbox letters are sent from, such as complaints@school.org.uk' }),
  ),
});

const GRAPH_VARS = ['GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID', 'GRAPH_CLIENT_SECRET', 'GRAPH_CERTIFICATE_PATH'] as const;

/**
 * Reads the Graph settings; undefined when Graph is not configured at all.
 * `readFile` is for tests (certificate files).
 */
export function loadGraphConfig(env: NodeJS.ProcessEnv = process.env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): GraphConfig | undefined {
  if (!GRAPH_VARS.some((v) => blank(env[v]) !== undefined)) return undefined;
  const e = parseEnv(graphEnv, env);
  if (e.GRAPH_CLIENT_SECRET && e.GRAPH_CERTIFICATE_PATH) {
    throw new ConfigError('GRAPH_CLIENT_SECRET', 'set either GRAPH_CLIENT_SECRET or GRAPH_CERTIFICATE_PATH, not both');
  }
  if (!e.GRAPH_CLIENT_SECRET && !e.GRAPH_CERTIFICATE_PATH) {
    throw new ConfigError('GRAPH_CLIENT_SECRET', 'required: a client secret of the app registration (or GRAPH_CERTIFICATE_PATH for a certificate)');
  }
  const base = {
    tenantId: e.GRAPH_TENANT_ID,
    clientId: e.GRAPH_CLIENT_ID,
    baseUrl: e.GRAPH_BASE_URL,
    authorityUrl: e.GRAPH_AUTHORITY_URL,
    complaintsMailbox: e.COMPLAINTS_MAILBOX.toLowerCase(),
  };
  if (e.GRAPH_CLIENT_SECRET) return { ...base, clientSecret: e.GRAPH_CLIENT_SECRET };

  const certificate = readCertificate(e.GRAPH_CERTIFICATE_PATH!, e.GRAPH_CERTIFICATE_KEY_PATH, e.GRAPH_CERTIFICATE_PASSWORD, readFile);
  return { ...base, certificate };
}

function readCertificate(certPath: string, keyPath: string | undefined, passphrase: string | undefined, readFile: (p: string) => string): GraphCertificate {
  const read = (variable: string, path: string) => {
    try {
      return readFile(path);
    } catch (err) {
      throw new ConfigError(variable, `cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const certText = read('GRAPH_CERTIFICATE_PATH', certPath);
  const cert = certText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
  if (!cert) throw new ConfigError('GRAPH_CERTIFICATE_PATH', `expected a PEM file containing "-----BEGIN CERTIFICATE-----" (${certPath})`);
  const keyText = keyPath ? read('GRAPH_CERTIFICATE_KEY_PATH', keyPath) : certText;
  const key = keyText.match(/-----BEGIN (?:RSA |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |ENCRYPTED )?PRIVATE KEY-----/);
  if (!key) {
    throw new ConfigError(keyPath ? 'GRAPH_CERTIFICATE_KEY_PATH' : 'GRAPH_CERTIFICATE_PATH', `expected a PEM private key ("-----BEGIN PRIVATE KEY-----") in ${keyPath ?? certPath}, or set GRAPH_CERTIFICATE_KEY_PATH`);
  }
  return { certificatePem: cert[0], privateKeyPem: key[0], ...(passphrase ? { passphrase } : {}) };
}
