/**
 * The embedded database: mongo-java-server (a MongoDB-compatible server in Java), for tests,
 * development and single-school installs where no MongoDB is available. It speaks the wire
 * protocol the `mongodb` driver uses and reports MongoDB 5.0.0 (wire version 13). Two kinds:
 *
 * - memory (`memory: true`): fast, forgotten on exit; for tests and CI;
 * - file (`dataDir`): persisted in `<dataDir>/complaints.mv.db` (H2), for `npm start`.
 *
 * The Java launcher lives in `java/` and is built once with Maven (`ensureEmbeddedBuilt`);
 * its output (`java/target/`) is gitignored. Setting MONGODB_URI to a real MongoDB 7/8 makes
 * all of this unnecessary.
 *
 * No mongoose here: callers connect with whatever driver they use to `uri`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const JAVA_DIR = join(HERE, 'java');
const POM = join(JAVA_DIR, 'pom.xml');
const JAVA_SRC = join(JAVA_DIR, 'src');
const TARGET = join(JAVA_DIR, 'target');
const CLASSES = join(TARGET, 'classes');
const LIB = join(TARGET, 'lib');
const MAIN_CLASS = 'complaints.EmbeddedMongo';
const MAIN_CLASS_FILE = join(CLASSES, 'complaints', 'EmbeddedMongo.class');
/** Written after a successful build; its time is compared with the sources'. */
const STAMP = join(TARGET, '.built');
const LOCK = join(TARGET, '.build.lock');

/** The repository root (this file is src/store/embedded/server.ts). */
export const REPO_ROOT = resolve(HERE, '..', '..', '..');
/** Where `complaints db up` keeps its data, pid file and log (gitignored). */
export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.data');
export const DEFAULT_DB_PORT = 27018;
export const DB_NAME = 'complaints';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** A build lock older than this is taken to be left over from a crashed build. */
const STALE_LOCK_MS = 15 * 60_000;

export const INSTALL_HINT =
  'The embedded database needs Java 17+ and Maven: on Debian/Ubuntu `apt-get install -y openjdk-17-jdk-headless maven`; or set MONGODB_URI to a real MongoDB 7/8';

export type Log = (message: string) => void;

export function uriFor(port: number): string {
  return `mongodb://127.0.0.1:${port}/${DB_NAME}`;
}

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? join(home, 'bin', 'java') : 'java';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Build

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function isBuilt(): boolean {
  try {
    if (!existsSync(MAIN_CLASS_FILE)) return false;
    if (!readdirSync(LIB).some((f) => f.endsWith('.jar'))) return false;
    const built = statSync(STAMP).mtimeMs;
    return built >= Math.max(newestMtime(POM), newestMtime(JAVA_SRC));
  } catch {
    return false;
  }
}

interface RunResult {
  code: number | null;
  output: string;
  missing: boolean;
}

/** Runs a command, capturing stdout and stderr together; never throws. */
function run(cmd: string, args: string[], cwd?: string): Promise<RunResult> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const output = `${stdout ?? ''}${stderr ?? ''}`;
      if (!err) return done({ code: 0, output, missing: false });
      const e = err as NodeJS.ErrnoException & { code?: unknown };
      if (e.code === 'ENOENT') return done({ code: null, output, missing: true });
      done({ code: typeof e.code === 'number' ? e.code : 1, output: output || e.message, missing: false });
    });
  });
}

function lastLines(text: string, n: number): string {
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
  return lines.slice(-n).join('\n');
}

/** Is `pid` a running process? An exited one awaiting its parent (a zombie) counts as gone. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: "pid (comm) S ..."; a detached server's parent is init, which may reap it late.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/** Takes the build lock (a file created exclusively), waiting for another process's build. */
async function acquireBuildLock(log: Log): Promise<() => void> {
  mkdirSync(TARGET, { recursive: true });
  const deadline = Date.now() + STALE_LOCK_MS;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(LOCK, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // Someone holds it: a build in progress, or a lock left by a build that crashed.
    let holder: number | undefined;
    let age = 0;
    try {
      holder = (JSON.parse(readFileSync(LOCK, 'utf8')) as { pid?: number }).pid;
      age = Date.now() - statSync(LOCK).mtimeMs;
    } catch {
      // half-written or just removed: look again
    }
    if ((holder !== undefined && !pidAlive(holder)) || age > STALE_LOCK_MS) {
      rmSync(LOCK, { force: true });
      continue;
    }
    if (!told) {
      log(`waiting for another process (pid ${holder ?? '?'}) to finish building the embedded database`);
      told = true;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for the embedded database build lock ${LOCK}; if no build is running, delete that file`);
    }
    await sleep(200);
  }
}

async function checkTools(): Promise<void> {
  const java = await run(javaCommand(), ['-version']);
  if (java.missing || java.code !== 0) {
    throw new Error(`${INSTALL_HINT}. (Java was not found: \`${javaCommand()} -version\` ${java.missing ? 'is not on the PATH' : `failed: ${lastLines(java.output, 3)}`})`);
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(java.output);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) {
    throw new Error(`${INSTALL_HINT}. (Found Java ${m ? m[0].slice(9) : 'of unknown version'}: ${lastLines(java.output, 1)})`);
  }
  const mvn = await run('mvn', ['-v']);
  if (mvn.missing || mvn.code !== 0) {
    throw new Error(`${INSTALL_HINT}. (Maven was not found: \`mvn -v\` ${mvn.missing ? 'is not on the PATH' : `failed: ${lastLines(mvn.output, 3)}`})`);
  }
}

/**
 * Builds the Java launcher if it is missing or older than its sources (pom.xml, java/src).
 * Idempotent and cheap when already built; safe to call from several processes at once (a lock
 * file makes the others wait). Returns whether it built.
 */
export async function ensureEmbeddedBuilt(opts: { log?: Log } = {}): Promise<{ built: boolean; ms: number }> {
  const log = opts.log ?? (() => {});
  const start = Date.now();
  if (isBuilt()) return { built: false, ms: Date.now() - start };
  const release = await acquireBuildLock(log);
  try {
    if (isBuilt()) return { built: false, ms: Date.now() - start }; // another process built it meanwhile
    await checkTools();
    log('building the embedded database (Maven; the first build downloads its libraries)...');
    const args = [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      POM,
      'package',
      'dependency:copy-dependencies',
      '-DoutputDirectory=target/lib',
      '-DincludeScope=runtime',
    ];
    const r = await run('mvn', args, JAVA_DIR);
    if (r.code !== 0) {
      throw new Error(
        `building the embedded database failed (mvn ${args.join(' ')} exited ${r.code}):\n${lastLines(r.output, 25) || '(no output)'}\n` +
          'If Maven could not download its libraries, this machine needs access to Maven Central (repo.maven.apache.org); or set MONGODB_URI to a real MongoDB 7/8.',
      );
    }
    if (!existsSync(MAIN_CLASS_FILE)) throw new Error(`building the embedded database produced no ${MAIN_CLASS_FILE}:\n${lastLines(r.output, 25)}`);
    writeFileSync(STAMP, new Date().toISOString() + '\n');
    const ms = Date.now() - start;
    log(`built the embedded database in ${(ms / 1000).toFixed(1)} s`);
    return { built: true, ms };
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------
// Start and stop

export interface StartOptions {
  /** 0 picks a free port. Default 27018. */
  port?: number;
  /** Keep everything in memory (tests, CI). */
  memory?: boolean;
  /** Persist to `<dataDir>/complaints.mv.db`. Default: `.data/` under the repository root (unless `memory`). */
  dataDir?: string;
  /**
   * Let the server outlive this process (for `complaints db up`): its output goes to
   * `<dataDir>/embedded.log`. Otherwise the server stops when this process exits, however it exits.
   */
  detached?: boolean;
  log?: Log;
}

export interface EmbeddedServer {
  uri: string;
  port: number;
  pid: number;
  /** The log file of a detached server. */
  logFile?: string;
  /** SIGTERM, wait for a clean exit (the H2 file is flushed); SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
}

function launcherArgs(port: number, memory: boolean, dataDir: string | undefined, watchStdin: boolean): string[] {
  const args = [
    '-Xmx1g',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    '-cp',
    `${CLASSES}${delimiter}${join(LIB, '*')}`,
    MAIN_CLASS,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
  ];
  if (memory) args.push('--memory');
  else args.push('--data', dataDir!);
  if (watchStdin) args.push('--exit-on-stdin-close');
  return args;
}

function exitedPromise(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Stops a process by pid: SIGTERM, wait, SIGKILL after the timeout. `exited` is used when we are its parent. */
async function stopPid(pid: number, exited?: Promise<void>): Promise<void> {
  const gone = async (ms: number): Promise<boolean> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!pidAlive(pid)) return true;
      if (exited) {
        const done = await Promise.race([exited.then(() => true), sleep(50).then(() => false)]);
        if (done) return true;
      } else await sleep(50);
    }
    return !pidAlive(pid);
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  if (await gone(STOP_TIMEOUT_MS)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await gone(5_000);
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return code !== null ? `exit status ${code}` : `signal ${signal}`;
}

/**
 * Starts an embedded server and resolves once it listens (`READY <port>` from the launcher).
 * Builds the launcher first if needed. Fails within 30 s with the server's own error (a port in
 * use, a data folder locked by another server ...).
 */
export async function startEmbedded(opts: StartOptions = {}): Promise<EmbeddedServer> {
  const memory = opts.memory === true;
  if (memory && opts.dataDir) throw new Error('startEmbedded: give memory or dataDir, not both');
  const dataDir = memory ? undefined : resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const port = opts.port ?? DEFAULT_DB_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`startEmbedded: port must be 0 to 65535, got ${port}`);
  await ensureEmbeddedBuilt(opts.log ? { log: opts.log } : {});
  if (dataDir) mkdirSync(dataDir, { recursive: true });

  const detached = opts.detached === true;
  let logFile: string | undefined;
  let logFd: number | undefined;
  if (detached) {
    logFile = join(dataDir ?? join(REPO_ROOT, '.data'), 'embedded.log');
    mkdirSync(dirname(logFile), { recursive: true });
    logFd = openSync(logFile, 'w');
  }
  const child = spawn(javaCommand(), launcherArgs(port, memory, dataDir, !detached), {
    cwd: REPO_ROOT,
    detached,
    // Attached: stdin is a pipe the launcher watches, so it exits with us. Detached: stderr to the log.
    stdio: detached ? ['ignore', 'pipe', logFd!] : ['pipe', 'pipe', 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd);
  const exited = exitedPromise(child);

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-16_000);
  });
  const errorText = () => {
    const text = logFile ? safeRead(logFile) : stderr;
    return lastLines(text, 20) || '(nothing on stderr)';
  };

  const boundPort = await new Promise<number>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => {
      finish();
      child.kill('SIGKILL');
      fail(new Error(`the embedded database did not start within ${READY_TIMEOUT_MS / 1000} s (port ${port}). Its output:\n${errorText()}`));
    }, READY_TIMEOUT_MS);
    const onData = (d: string) => {
      out += d;
      const m = /^READY (\d+)\s*$/m.exec(out);
      if (m) {
        finish();
        ok(Number(m[1]));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      finish();
      // Give stderr a moment to drain so the message carries the server's own words.
      setTimeout(() => fail(new Error(`the embedded database exited (${describeExit(code, signal)}) before it was ready on port ${port}: ${errorText()}`)), 50);
    };
    const onError = (e: Error) => {
      finish();
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      fail(new Error(missing ? `${INSTALL_HINT}. (${javaCommand()} was not found)` : `could not start the embedded database: ${e.message}`));
    };
    const finish = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });

  if (detached) {
    // Nothing more comes on stdout; let this process exit while the server runs on.
    child.stdout!.destroy();
    child.unref();
  } else {
    // Keep draining its output, but never keep this process alive just for the server; when we
    // exit, its stdin closes and it shuts down cleanly.
    child.stdout!.on('data', () => {});
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as Socket | null)?.unref?.();
    child.unref();
  }

  let stopping: Promise<void> | undefined;
  const server: EmbeddedServer = {
    uri: uriFor(boundPort),
    port: boundPort,
    pid: child.pid!,
    stop() {
      stopping ??= (async () => {
        child.ref(); // wait for the exit even if nothing else keeps this process alive
        await stopPid(child.pid!, exited);
        await exited.catch(() => {});
      })();
      return stopping;
    },
  };
  if (logFile) server.logFile = logFile;
  return server;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// `complaints db up | down | status`: a detached server that outlives the command

export interface DbRecord {
  pid: number;
  port: number;
  uri: string;
  startedAt: string;
}

export interface DbStatus {
  running: boolean;
  pid: number | null;
  port: number | null;
  uri: string | null;
  startedAt: string | null;
}

function recordPath(dataDir: string): string {
  return join(dataDir, 'embedded.json');
}

function readRecord(dataDir: string): DbRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(recordPath(dataDir), 'utf8')) as Partial<DbRecord>;
    if (typeof r.pid === 'number' && typeof r.port === 'number') {
      return { pid: r.pid, port: r.port, uri: r.uri ?? uriFor(r.port), startedAt: r.startedAt ?? '' };
    }
  } catch {
    // missing or unreadable: not running as far as we know
  }
  return undefined;
}

function writeRecord(dataDir: string, record: DbRecord): void {
  const path = recordPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Is `pid` our launcher (and not some other process that got the pid after a reboot)? */
async function isOurServer(pid: number): Promise<boolean> {
  if (!pidAlive(pid)) return false;
  if (existsSync('/proc/self/cmdline')) {
    return safeRead(`/proc/${pid}/cmdline`).includes(MAIN_CLASS);
  }
  const ps = await run('ps', ['-p', String(pid), '-o', 'command=']);
  return ps.missing ? true : ps.output.includes(MAIN_CLASS);
}

/** Does something accept connections on 127.0.0.1:port? */
export function portAnswers(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function liveRecord(dataDir: string): Promise<DbRecord | undefined> {
  const r = readRecord(dataDir);
  if (r && (await isOurServer(r.pid)) && (await portAnswers(r.port))) return r;
  return undefined;
}

/**
 * Starts the file-backed server detached (it outlives this process) and records it in
 * `<dataDir>/embedded.json`. Idempotent: if the recorded server is alive and answering, returns
 * it (`alreadyRunning: true`), whatever port was asked for.
 */
export async function dbUp(opts: { dataDir?: string; port?: number; log?: Log } = {}): Promise<DbRecord & { alreadyRunning: boolean; logFile: string }> {
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const logFile = join(dataDir, 'embedded.log');
  const live = await liveRecord(dataDir);
  if (live) return { ...live, alreadyRunning: true, logFile };
  const server = await startEmbedded({
    dataDir,
    port: opts.port ?? DEFAULT_DB_PORT,
    detached: true,
    ...(opts.log ? { log: opts.log } : {}),
  });
  const record: DbRecord = { pid: server.pid, port: server.port, uri: server.uri, startedAt: new Date().toISOString() };
  writeRecord(dataDir, record);
  return { ...record, alreadyRunning: false, logFile };
}

/** Stops the recorded server. Idempotent: `stopped: false` when it was not running. */
export async function dbDown(opts: { dataDir?: string } = {}): Promise<{ stopped: boolean; pid: number | null }> {
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const r = readRecord(dataDir);
  let stopped = false;
  if (r && (await isOurServer(r.pid))) {
    await stopPid(r.pid);
    stopped = true;
  }
  rmSync(recordPath(dataDir), { force: true });
  return { stopped, pid: r?.pid ?? null };
}

export async function dbStatus(opts: { dataDir?: string } = {}): Promise<DbStatus> {
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  const r = readRecord(dataDir);
  const running = r ? (await isOurServer(r.pid)) && (await portAnswers(r.port)) : false;
  return { running, pid: r?.pid ?? null, port: r?.port ?? null, uri: r?.uri ?? null, startedAt: r?.startedAt ?? null };
}
