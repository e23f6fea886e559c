/**
 * Scenario selection by include/exclude globs, with the semantics of upstream's partitioner
 * (shared/reference/arena-genericjob.md §1.6): include first (no include pattern = every scenario),
 * then exclude. A pattern matches a scenario when it matches its path, the last element of its
 * path, or its id. Globs follow Go's `filepath.Match` on a `/`-separated path: `*` is any run of
 * characters other than `/`, `?` one character other than `/`, `[abc]`, `[a-z]` and `[^a-z]` a
 * character class, and `\` quotes the next character. A malformed pattern matches nothing, as
 * upstream (which ignores the match error); {@link globProblem} names what is wrong with one.
 */

/** A scenario of a bundle, as the filter sees it. */
export interface ScenarioRef {
  /** Path of the scenario file in the bundle, e.g. `scenarios/billing.yaml`. */
  readonly path: string;
  /** Id of the scenario, when the bundle gives one. */
  readonly id?: string;
}

/** Include/exclude globs (`spec.scenarios` of an ArenaJob or an ArenaConfig). */
export interface ScenarioFilter {
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
}

/** The scenarios `filter` selects, in their given order. */
export function filterScenarios<T extends ScenarioRef>(scenarios: readonly T[], filter: ScenarioFilter | undefined): T[] {
  const include = (filter?.include ?? []).map(compileGlob);
  const exclude = (filter?.exclude ?? []).map(compileGlob);
  return scenarios.filter((s) => (include.length === 0 || matchesAny(s, include)) && !matchesAny(s, exclude));
}

/**
 * The globs that apply to a job: its own `spec.scenarios` when it names any pattern, else its
 * config's. The job's block overrides the config's as a whole (the seed: "Override scenario
 * selection from the ArenaConfig"), so an include on the job does not keep the config's excludes.
 */
export function effectiveScenarioFilter(job: ScenarioFilter | undefined, config: ScenarioFilter | undefined): ScenarioFilter | undefined {
  const named = (f: ScenarioFilter | undefined) => (f?.include?.length ?? 0) + (f?.exclude?.length ?? 0) > 0;
  return named(job) ? job : config;
}

/** What is wrong with a glob, or undefined when it is well formed. */
export function globProblem(pattern: string): string | undefined {
  try {
    globToRegExp(pattern);
    return undefined;
  } catch (err) {
    return `scenario pattern '${pattern}' is not a valid glob: ${(err as Error).message}`;
  }
}

/** True when `pattern` (a glob) matches `path` as a whole. */
export function globMatches(pattern: string, path: string): boolean {
  const re = compileGlob(pattern);
  return re !== undefined && re.test(path);
}

function matchesAny(s: ScenarioRef, patterns: ReadonlyArray<RegExp | undefined>): boolean {
  const base = s.path.slice(s.path.lastIndexOf('/') + 1);
  const names = s.id !== undefined && s.id !== '' ? [s.path, base, s.id] : [s.path, base];
  return patterns.some((re) => re !== undefined && names.some((n) => re.test(n)));
}

function compileGlob(pattern: string): RegExp | undefined {
  try {
    return globToRegExp(pattern);
  } catch {
    return undefined;
  }
}

/** The anchored RegExp of a glob; throws with the problem when the glob is malformed. */
function globToRegExp(pattern: string): RegExp {
  const chars = Array.from(pattern);
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '\\') {
      if (i + 1 >= chars.length) throw new Error('it ends with an unfinished \'\\\' escape');
      out += literal(chars[++i]!);
    } else if (c === '[') {
      const parsed = parseClass(chars, i + 1);
      out += parsed.source;
      i = parsed.end;
    } else {
      out += literal(c);
    }
  }
  return new RegExp(`^${out}$`, 'u');
}

/** Parses a character class whose body starts at `start`; `end` is the index of its `]`. */
function parseClass(chars: readonly string[], start: number): { source: string; end: number } {
  let i = start;
  const negated = chars[i] === '^';
  if (negated) i++;
  const ranges: string[] = [];
  const element = (): string => {
    const c = chars[i];
    if (c === undefined) throw new Error('a \'[\' character class is not closed with \']\'');
    if (c === '-' || c === ']') throw new Error(`'${c}' must be escaped as '\\${c}' at that place of a character class`);
    if (c === '\\') {
      i++;
      if (chars[i] === undefined) throw new Error('a \'[\' character class is not closed with \']\'');
    }
    return chars[i++]!;
  };
  for (;;) {
    if (chars[i] === ']' && ranges.length > 0) break;
    const lo = element();
    let hi = lo;
    if (chars[i] === '-') {
      i++;
      hi = element();
      if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw new Error(`the range '${lo}-${hi}' is reversed; write '${hi}-${lo}'`);
    }
    ranges.push(lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`);
  }
  return { source: `[${negated ? '^' : ''}${ranges.join('')}]`, end: i };
}

function literal(c: string): string {
  return /^[A-Za-z0-9_]$/.test(c) ? c : classChar(c);
}

function classChar(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}
