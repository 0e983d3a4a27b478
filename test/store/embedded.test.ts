/**
 * The embedded database (mongo-java-server): builds, starts in memory and on an H2 file, keeps
 * data across a restart, `db up/down/status` are idempotent, and a taken port fails clearly.
 * Starts its own servers on free ports (it does not use the shared one from globalSetup).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbDown, dbStatus, dbUp, ensureEmbeddedBuilt, startEmbedded, type EmbeddedServer } from '../../src/store/embedded/server.js';

const started: EmbeddedServer[] = [];
const tmpDirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'complaints-embedded-'));
  tmpDirs.push(d);
  return d;
}

async function start(opts: Parameters<typeof startEmbedded>[0]): Promise<EmbeddedServer> {
  const s = await startEmbedded(opts);
  started.push(s);
  return s;
}

async function withClient<T>(uri: string, fn: (c: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  await ensureEmbeddedBuilt({ log: (m) => console.log(`[embedded] ${m}`) });
}, 300_000); // a cold build downloads from Maven Central

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  for (const d of tmpDirs) await dbDown({ dataDir: d }).catch(() => {});
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('embedded database', () => {
  it('runs in memory on a free port: insert, read, reports MongoDB 5.0.0', async () => {
    const s = await start({ memory: true, port: 0 });
    expect(s.port).toBeGreaterThan(0);
    expect(s.uri).toBe(`mongodb://127.0.0.1:${s.port}/complaints`);
    await withClient(s.uri, async (c) => {
      const db = c.db();
      expect(db.databaseName).toBe('complaints');
      await db.collection('probe').insertOne({ _id: 'a' as never, n: 1, at: new Date('2026-11-06T09:00:00Z') });
      const doc = await db.collection('probe').findOne({ _id: 'a' as never });
      expect(doc).toMatchObject({ n: 1, at: new Date('2026-11-06T09:00:00Z') });
      const info = await db.admin().command({ buildInfo: 1 });
      expect(info.version).toBe('5.0.0');
      // mongo-java-server has no `hello`; the driver handshakes with the legacy isMaster (so never set `serverApi`)
      const handshake = await db.admin().command({ isMaster: 1 });
      expect(handshake.maxWireVersion).toBe(13);
    });
    await s.stop();
    await s.stop(); // idempotent
  });

  it('keeps data in an H2 file across a restart', async () => {
    const dataDir = tempDir();
    const first = await start({ dataDir, port: 0 });
    await withClient(first.uri, (c) => c.db().collection('cases').insertOne({ ref: 'C-1', stage: 2 }));
    await first.stop();

    const second = await start({ dataDir, port: 0 });
    const doc = await withClient(second.uri, (c) => c.db().collection('cases').findOne({ ref: 'C-1' }));
    expect(doc).toMatchObject({ ref: 'C-1', stage: 2 });
    await second.stop();
  });

  it('db up is idempotent; status and down follow it', async () => {
    const dataDir = tempDir();
    expect((await dbStatus({ dataDir })).running).toBe(false);
    const up1 = await dbUp({ dataDir, port: 0 });
    expect(up1.alreadyRunning).toBe(false);
    const up2 = await dbUp({ dataDir, port: 0 });
    expect(up2).toMatchObject({ pid: up1.pid, port: up1.port, uri: up1.uri, alreadyRunning: true });

    const status = await dbStatus({ dataDir });
    expect(status).toMatchObject({ running: true, pid: up1.pid, port: up1.port, uri: up1.uri });
    await withClient(up1.uri, (c) => c.db().collection('probe').insertOne({ up: true }));

    expect(await dbDown({ dataDir })).toEqual({ stopped: true, pid: up1.pid });
    expect(await dbStatus({ dataDir })).toMatchObject({ running: false, pid: null });
    expect(await dbDown({ dataDir })).toEqual({ stopped: false, pid: null }); // not running is fine
  });

  it('fails clearly when the port is taken', async () => {
    const s = await start({ memory: true, port: 0 });
    await expect(startEmbedded({ memory: true, port: s.port })).rejects.toThrow(
      new RegExp(`exited \\(exit status 1\\) before it was ready on port ${s.port}: error: cannot listen on 127\\.0\\.0\\.1:${s.port}: address already in use`),
    );
    await s.stop();
  });
});
