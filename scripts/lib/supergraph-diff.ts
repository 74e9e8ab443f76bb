// Breaking/dangerous changes of the client-facing API schema against an earlier committed supergraph.
import { execFileSync } from 'node:child_process';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';

export interface SchemaChanges {
  breaking: string[];
  dangerous: string[];
  safe: string[];
}

export async function diffApiSchemas(oldSchema: GraphQLSchema, newSchema: GraphQLSchema): Promise<SchemaChanges> {
  const changes = await diff(oldSchema, newSchema);
  const result: SchemaChanges = { breaking: [], dangerous: [], safe: [] };
  for (const change of changes) {
    const text = change.message;
    if (change.criticality.level === CriticalityLevel.Breaking) result.breaking.push(text);
    else if (change.criticality.level === CriticalityLevel.Dangerous) result.dangerous.push(text);
    else result.safe.push(text);
  }
  return result;
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** The file's content at `rev` (path relative to `cwd`), or undefined when the revision or file does not exist. */
export function fileAtRevision(cwd: string, rev: string, relativePath: string): string | undefined {
  return git(cwd, ['show', `${rev}:./${relativePath}`]);
}

export interface BaseSupergraph {
  /** The revision as given (HEAD, HEAD~1, a branch…) plus its short hash when git knows it. */
  label: string;
  sdl: string | undefined;
}

/**
 * What to compare against: an explicit `baseRev` (CI can pass the merge-base); otherwise HEAD when the
 * fresh composition differs from HEAD's file (the change under way), else the parent of the last commit
 * that changed the file (what that change did; plain HEAD~1 would mostly be an unrelated commit).
 */
export function baseSupergraph(
  cwd: string,
  relativePath: string,
  freshSdl: string,
  baseRev?: string,
): BaseSupergraph {
  let rev = baseRev;
  if (rev === undefined) {
    const atHead = fileAtRevision(cwd, 'HEAD', relativePath);
    const lastChange = git(cwd, ['log', '-1', '--format=%h', 'HEAD', '--', relativePath])?.trim();
    rev = atHead !== freshSdl || !lastChange ? 'HEAD' : `${lastChange}~1`;
  }
  const hash = git(cwd, ['rev-parse', '--short', '--verify', '--quiet', `${rev}^{commit}`])?.trim();
  return { label: hash ? `${rev} (${hash})` : rev, sdl: fileAtRevision(cwd, rev, relativePath) };
}
