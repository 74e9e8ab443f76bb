// Local single-node Kafka (KRaft) from the Apache jars: start it once, reuse it afterwards, stop it on request.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import {
  kafkaPaths,
  listenAddress,
  log4jProperties,
  newClusterId,
  parseBrokers,
  serverProperties,
  toolsLog4jProperties,
  type KafkaPaths,
} from './config.ts';
import { ensureJars } from './jars.ts';
import { isAlive, isBrokerProcess, readPid, removePid, waitForExit, writePid } from './pid-file.ts';
import { isKafkaUp, isPortOpen, portOwner } from './probe.ts';

export { isKafkaUp } from './probe.ts';
export { kafkaPaths, parseBrokers } from './config.ts';

export interface EnsureKafkaOptions {
  /** Comma separated host:port list; default `KAFKA_BROKERS` or 127.0.0.1:9092. */
  brokers?: string;
  log?: (msg: string) => void;
  /** How long to wait for the broker to answer after starting it; default 90 s. */
  timeoutMs?: number;
}

export interface EnsureKafkaResult {
  /** false when a broker already answered (or another process started it while we waited). */
  startedByUs: boolean;
  ms: number;
}

const DEFAULT_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 20_000;
// A start lock this old is abandoned whatever its pid says (the pid may have been recycled).
const LOCK_STALE_MS = 10 * 60_000;

// Concurrent calls in one process share one attempt.
const inflight = new Map<string, Promise<EnsureKafkaResult>>();

/** Makes sure a broker answers on `brokers`, starting a local one when nothing does. Idempotent. */
export function ensureKafka(opts: EnsureKafkaOptions = {}): Promise<EnsureKafkaResult> {
  const brokers = parseBrokers(opts.brokers);
  const key = brokers.join(',');
  let attempt = inflight.get(key);
  if (!attempt) {
    attempt = ensure(brokers, opts).finally(() => inflight.delete(key));
    inflight.set(key, attempt);
  }
  return attempt;
}

async function ensure(brokers: string[], opts: EnsureKafkaOptions): Promise<EnsureKafkaResult> {
  const log = opts.log ?? (() => undefined);
  const t0 = performance.now();
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const done = (startedByUs: boolean): EnsureKafkaResult => {
    const ms = Math.round(performance.now() - t0);
    log(`kafka: ready on ${brokers.join(',')} in ${(ms / 1000).toFixed(1)} s (${startedByUs ? 'started' : 'already running'})`);
    return { startedByUs, ms };
  };

  if (await isKafkaUp(brokers)) return done(false);

  const paths = kafkaPaths();
  await mkdir(paths.stateDir, { recursive: true });
  // Parallel test workers all call ensureKafka: one of them starts the broker, the others wait for it.
  const release = await acquireStartLock(paths, brokers, deadline);
  if (!release) return done(false);
  try {
    if (await isKafkaUp(brokers)) return done(false);
    const addr = listenAddress(brokers);
    const address = `${addr.host}:${addr.port}`;

    const existing = await readPid(paths.pidFile);
    if (existing && isBrokerProcess(existing)) {
      // Ours, still starting (its starter was interrupted): wait for it rather than start a second one.
      log(`kafka: broker pid ${existing} is still starting, waiting for it...`);
      await waitUntilReady(brokers, existing, deadline, paths, 0);
      return done(false);
    }

    if (await isPortOpen(addr.host, addr.port)) {
      // Maybe a Kafka someone else is starting; give it a moment before calling the port foreign.
      if (await pollUp(brokers, Math.min(6_000, deadline - Date.now()))) return done(false);
      const owner = await portOwner(addr.port);
      throw new Error(
        `kafka: ${address} is in use by ${owner || 'another program'} that does not answer as a Kafka broker; ` +
          'stop it or point KAFKA_BROKERS elsewhere',
      );
    }
    if (await isPortOpen(addr.host, addr.controllerPort)) {
      const owner = await portOwner(addr.controllerPort);
      throw new Error(
        `kafka: controller port ${addr.host}:${addr.controllerPort} is in use by ${owner || 'another program'}; ` +
          'free it or set KAFKA_CONTROLLER_PORT',
      );
    }

    await ensureJars(paths, log);
    await mkdir(paths.logsDir, { recursive: true });
    // Rewritten every start so config changes apply; the formatted storage (cluster id) is kept.
    await writeFile(paths.serverProperties, serverProperties(paths, addr));
    await writeFile(paths.log4jProperties, log4jProperties());
    await writeFile(paths.toolsLog4jProperties, toolsLog4jProperties());
    await formatStorageOnce(paths, log);

    // Error reports quote only what this start logged, not earlier runs.
    const logOffset = await stat(paths.serverLog).then(
      (s) => s.size,
      () => 0,
    );
    const pid = await spawnBroker(paths);
    await writePid(paths.pidFile, pid);
    log(`kafka: starting broker on ${address} (pid ${pid}, log ${paths.serverLog})`);
    await waitUntilReady(brokers, pid, deadline, paths, logOffset);
    return done(true);
  } finally {
    await release();
  }
}

/** Stops the broker this tool started (pid file). False when none was running. */
export async function stopKafka(opts: { log?: (msg: string) => void } = {}): Promise<boolean> {
  const log = opts.log ?? (() => undefined);
  const paths = kafkaPaths();
  const pid = await readPid(paths.pidFile);
  if (!pid || !isBrokerProcess(pid)) {
    await removePid(paths.pidFile);
    return false;
  }
  const t0 = performance.now();
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, STOP_GRACE_MS))) {
    log(`kafka: broker pid ${pid} ignored SIGTERM for ${STOP_GRACE_MS / 1000} s, killing it`);
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
  await removePid(paths.pidFile);
  log(`kafka: stopped broker pid ${pid} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

export interface KafkaStatus {
  up: boolean;
  brokers: string[];
  /** pid of the broker this tool started, if it is alive. */
  pid?: number;
  stateDir: string;
}

export async function kafkaStatus(brokers?: string): Promise<KafkaStatus> {
  const list = parseBrokers(brokers);
  const paths = kafkaPaths();
  const pid = await readPid(paths.pidFile);
  return {
    up: await isKafkaUp(list),
    brokers: list,
    ...(pid && isBrokerProcess(pid) ? { pid } : {}),
    stateDir: paths.stateDir,
  };
}

function javaBin(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

function jvmBase(paths: KafkaPaths, log4jFile: string): string[] {
  return [
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=${pathToFileURL(log4jFile).href}`,
    `-Dkafka.logs.dir=${paths.logsDir}`,
    '-cp',
    // Expanded by the JVM itself (no shell involved).
    join(paths.libsDir, '*'),
  ];
}

async function formatStorageOnce(paths: KafkaPaths, log: (msg: string) => void): Promise<void> {
  if (existsSync(join(paths.dataDir, 'meta.properties'))) return;
  const clusterId = newClusterId();
  log(`kafka: formatting storage in ${paths.dataDir} (cluster id ${clusterId})`);
  const args = [
    ...jvmBase(paths, paths.toolsLog4jProperties),
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    clusterId,
    '--config',
    paths.serverProperties,
    '--ignore-formatted',
  ];
  const { code, output } = await runToEnd(javaBin(), args);
  if (code !== 0) throw new Error(`kafka: formatting storage failed (exit ${code}):\n${lastLines(output, 15)}`);
}

/** Starts the broker JVM detached (own process group, output to files) so it outlives this process. */
async function spawnBroker(paths: KafkaPaths): Promise<number> {
  const heap = (process.env.KAFKA_HEAP_OPTS || '-Xms256m -Xmx512m').split(/\s+/).filter(Boolean);
  const out = await open(paths.outFile, 'w');
  try {
    const child = spawn(
      javaBin(),
      [
        ...heap,
        // GC settings of the official kafka-run-class.sh.
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-XX:InitiatingHeapOccupancyPercent=35',
        '-XX:+ExplicitGCInvokesConcurrent',
        '-XX:+ExitOnOutOfMemoryError',
        ...jvmBase(paths, paths.log4jProperties),
        'kafka.Kafka',
        paths.serverProperties,
      ],
      { cwd: paths.stateDir, detached: true, stdio: ['ignore', out.fd, out.fd] },
    );
    const pid = await new Promise<number>((ok, fail) => {
      child.once('error', (err: NodeJS.ErrnoException) =>
        fail(new Error(err.code === 'ENOENT' ? `kafka: \`${javaBin()}\` not found; Java 17+ is needed` : err.message)),
      );
      child.once('spawn', () => ok(child.pid as number));
    });
    child.unref();
    return pid;
  } finally {
    await out.close();
  }
}

async function waitUntilReady(
  brokers: string[],
  pid: number,
  deadline: number,
  paths: KafkaPaths,
  logOffset: number,
): Promise<void> {
  for (;;) {
    if (await isKafkaUp(brokers)) return;
    if (!isAlive(pid)) {
      await removePid(paths.pidFile);
      throw new Error(
        `kafka: broker (pid ${pid}) exited during startup. Last log lines:\n` + (await logTail(paths, logOffset)),
      );
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `kafka: broker (pid ${pid}) did not answer on ${brokers.join(',')} in time; it is left running ` +
          `(stop: npm run kafka:stop). Last log lines:\n` +
          (await logTail(paths, logOffset)),
      );
    }
    await sleep(250);
  }
}

async function pollUp(brokers: string[], forMs: number): Promise<boolean> {
  const until = Date.now() + forMs;
  while (Date.now() < until) {
    if (await isKafkaUp(brokers)) return true;
    await sleep(500);
  }
  return false;
}

/**
 * Cross-process start lock: a pid file hard-linked into place (atomic, never seen half written).
 * Resolves to a release function, or to undefined when the broker came up while we waited.
 */
async function acquireStartLock(
  paths: KafkaPaths,
  brokers: string[],
  deadline: number,
): Promise<(() => Promise<void>) | undefined> {
  const mine = `${paths.lockFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    for (;;) {
      try {
        await link(mine, paths.lockFile);
        return () => rm(paths.lockFile, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await readPid(paths.lockFile);
      const age = await stat(paths.lockFile).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      // No readable pid for a while means a garbled lock file, not a start in progress.
      const stale = holder === undefined ? age > 5_000 : !isAlive(holder) || age > LOCK_STALE_MS;
      if (stale) {
        await rm(paths.lockFile, { force: true });
        continue;
      }
      if (await isKafkaUp(brokers)) return undefined;
      if (Date.now() >= deadline) {
        throw new Error(`kafka: gave up waiting for another start of the broker (lock ${paths.lockFile}, pid ${holder})`);
      }
      await sleep(250);
    }
  } finally {
    await rm(mine, { force: true });
  }
}

function runToEnd(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err: NodeJS.ErrnoException) =>
      fail(new Error(err.code === 'ENOENT' ? `kafka: \`${cmd}\` not found; Java 17+ is needed` : err.message)),
    );
    child.once('close', (code) => ok({ code: code ?? 1, output }));
  });
}

async function logTail(paths: KafkaPaths, serverLogOffset: number): Promise<string> {
  const serverLog = await readFile(paths.serverLog).then(
    (b) => b.subarray(b.length >= serverLogOffset ? serverLogOffset : 0).toString('utf8'),
    () => '',
  );
  const out = await readFile(paths.outFile, 'utf8').catch(() => '');
  return [
    `--- ${paths.serverLog}`,
    serverLog.trim() ? lastLines(serverLog, 12) : '(empty)',
    `--- ${paths.outFile} (JVM output)`,
    out.trim() ? lastLines(out, 8) : '(empty)',
  ].join('\n');
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
