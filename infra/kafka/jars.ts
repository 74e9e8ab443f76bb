// The broker's jars: copied out of the Maven cache (~/.m2) once, refreshed only when pom.xml changes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KafkaPaths } from './config.ts';

const MARKER = '.pom-sha256';

/** Makes sure paths.libsDir holds the jars that pom.xml names. Returns true when Maven had to run. */
export async function ensureJars(paths: KafkaPaths, log: (msg: string) => void): Promise<boolean> {
  const pomHash = createHash('sha256')
    .update(await readFile(paths.pom))
    .digest('hex');
  const current = await readFile(join(paths.libsDir, MARKER), 'utf8').catch(() => '');
  if (current.trim() === pomHash) return false;

  log('kafka: fetching broker jars with Maven (first run; downloads into ~/.m2 if needed)...');
  // Copy into a scratch dir and swap it in, so an interrupted run never leaves a half-filled libs/.
  const scratch = `${paths.libsDir}.tmp-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await runMaven([
    '-q',
    '-B',
    '-f',
    paths.pom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${scratch}`,
    '-DincludeScope=runtime',
  ]);
  const jars = (await readdir(scratch)).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith('kafka_2.13-'))) {
    throw new Error(`kafka: Maven ran but ${scratch} holds no kafka_2.13 jar`);
  }
  await writeFile(join(scratch, MARKER), `${pomHash}\n`);
  await rm(paths.libsDir, { recursive: true, force: true });
  await rename(scratch, paths.libsDir);
  return true;
}

function runMaven(args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    execFile('mvn', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return done();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return fail(new Error('kafka: `mvn` not found on PATH; Maven 3.8+ is needed to fetch the broker jars'));
      }
      const tail = `${stdout}${stderr}`.trim().split('\n').slice(-15).join('\n');
      fail(new Error(`kafka: Maven could not fetch the broker jars (mvn ${args.join(' ')}):\n${tail}`));
    });
  });
}
