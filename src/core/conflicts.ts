// Conflict detection (SPEC §3): two migrations with no dependency path between them that touch the
// same table may run in either order, or side by side under `up --parallel`. Pure functions over
// plain data. The reachability test is a bitset transitive closure over the condensed dependency
// graph, computed only for migrations that share a table with another one, so 5000 migrations are
// checked in milliseconds; dependency cycles (reported elsewhere) are condensed, never followed.

import { buildGraph, mainFile } from "./graph.js";
import type { TableUse } from "./sql-facts.js";
import type { MigrationFile, Ordering, Problem } from "./types.js";
import { versionKey } from "./version.js";

export { NO_TABLES, type TableUse } from "./sql-facts.js";
export { migrationTableUse, migrationTableUses } from "./table-use.js";

/** A CONFLICT problem, with the table it is about (for labels in the graph picture). */
export interface ConflictProblem extends Problem {
  readonly code: "CONFLICT";
  readonly table: string;
  readonly versions: readonly [string, string];
}

// ------------------------------------------------------------------------------------------------
// How a migration uses a table, strongest first

type Use = "create" | "drop" | "alter" | "write" | "read";

/** Rank of each use: the strongest one describes the migration in a message. */
const RANK: Readonly<Record<Use, number>> = { create: 5, drop: 4, alter: 3, write: 2, read: 1 };

const VERB: Readonly<Record<Use, { readonly one: string; readonly both: string }>> = {
  create: { one: "creates", both: "create" },
  drop: { one: "drops", both: "drop" },
  alter: { one: "alters", both: "alter" },
  write: { one: "writes to", both: "write to" },
  read: { one: "reads", both: "read" },
};

/** Each table the migration touches, with its strongest use. */
function usesByTable(use: TableUse): Map<string, Use> {
  const byTable = new Map<string, Use>();
  const add = (names: readonly string[], kind: Use): void => {
    for (const name of names) {
      const previous = byTable.get(name);
      if (previous === undefined || RANK[kind] > RANK[previous]) byTable.set(name, kind);
    }
  };
  add(use.reads, "read");
  add(use.writes, "write");
  add(use.alters, "alter");
  add(use.drops, "drop");
  add(use.creates, "create");
  return byTable;
}

// ------------------------------------------------------------------------------------------------
// Reachability

/** The dependency graph as indices: `deps[i]` are the indices `i` depends on. */
interface IndexGraph {
  readonly migrations: readonly MigrationFile[];
  readonly deps: readonly (readonly number[])[];
}

function indexGraph(migrations: readonly MigrationFile[]): IndexGraph {
  const graph = buildGraph(migrations, "graph");
  const position = new Map<MigrationFile, number>();
  graph.migrations.forEach((m, i) => position.set(m, i));
  const deps = graph.migrations.map((m) =>
    (graph.dependencies.get(m) ?? []).map((d) => position.get(d)).filter((i): i is number => i !== undefined),
  );
  return { migrations: graph.migrations, deps };
}

/**
 * Tarjan's strongly connected components, iteratively, over "depends on" edges. A component is
 * numbered after every component it depends on, so component numbers are a topological order with
 * dependencies first. Migrations in one cycle share a component.
 */
function components(deps: readonly (readonly number[])[]): { comp: Int32Array; count: number } {
  const n = deps.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const work: number[] = []; // node, next edge: pairs
  let counter = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    work.push(root, 0);
    while (work.length > 0) {
      const top = work.length - 2;
      const node = work[top] as number;
      const next = work[top + 1] as number;
      const edges = deps[node] as readonly number[];
      if (next < edges.length) {
        work[top + 1] = next + 1;
        const to = edges[next] as number;
        if (index[to] === -1) {
          index[to] = low[to] = counter++;
          stack.push(to);
          onStack[to] = 1;
          work.push(to, 0);
        } else if (onStack[to] === 1) {
          low[node] = Math.min(low[node] as number, index[to] as number);
        }
        continue;
      }
      work.length = top;
      if (work.length > 0) {
        const parent = work[work.length - 2] as number;
        low[parent] = Math.min(low[parent] as number, low[node] as number);
      }
      if (low[node] === index[node]) {
        for (;;) {
          const m = stack.pop() as number;
          onStack[m] = 0;
          comp[m] = count;
          if (m === node) break;
        }
        count++;
      }
    }
  }
  return { comp, count };
}

/** Columns of the closure bitsets computed at once: bounds memory to components × 1 KiB. */
const CHUNK_COLUMNS = 8192;

/** The transitive closure of the dependency graph, restricted to columns `[c0, c1)`. */
interface ClosureChunk {
  readonly c0: number;
  readonly c1: number;
  /** 32-bit words per row. */
  readonly words: number;
  /** Row of component c: bit (col - c0) is set when c depends, transitively, on the component with column col. */
  readonly rows: Uint32Array;
}

interface Closure {
  /** Component of each migration (migrations in one cycle share one); numbered dependencies first. */
  readonly comp: Int32Array;
  /** Column of each component holding an involved migration, else -1; increasing with the component. */
  readonly column: Int32Array;
  /** The closure, a chunk of columns at a time (memory stays bounded). */
  chunks(): Generator<ClosureChunk>;
}

/**
 * Ancestor bitsets over the condensed graph, with one column per component that holds a migration
 * marked in `involved`. Whether a path joins a and b (in different components) is the bit of the
 * earlier component's column in the later component's row. Cost O(edges × columns / 32).
 */
function closure(graph: IndexGraph, involved: Uint8Array): Closure {
  const n = graph.deps.length;
  const { comp, count } = components(graph.deps);

  // Condensed edges (component → the components it depends on), as CSR.
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) {
    const slot = (comp[i] as number) + 1;
    for (const d of graph.deps[i] as readonly number[]) if (comp[d] !== comp[i]) offsets[slot] = (offsets[slot] as number) + 1;
  }
  for (let c = 0; c < count; c++) offsets[c + 1] = (offsets[c + 1] as number) + (offsets[c] as number);
  const edges = new Int32Array(offsets[count] as number);
  const fill = offsets.slice(0, count);
  for (let i = 0; i < n; i++) {
    const ci = comp[i] as number;
    for (const d of graph.deps[i] as readonly number[]) {
      const cd = comp[d] as number;
      if (cd === ci) continue;
      const at = fill[ci] as number;
      edges[at] = cd;
      fill[ci] = at + 1;
    }
  }

  const column = new Int32Array(count).fill(-1);
  for (let i = 0; i < n; i++) if (involved[i] === 1) column[comp[i] as number] = 0;
  let columns = 0;
  for (let c = 0; c < count; c++) if (column[c] === 0) column[c] = columns++;

  function* chunks(): Generator<ClosureChunk> {
    for (let c0 = 0; c0 < columns; c0 += CHUNK_COLUMNS) {
      const c1 = Math.min(columns, c0 + CHUNK_COLUMNS);
      const words = (c1 - c0 + 31) >>> 5;
      const rows = new Uint32Array(count * words);
      // Components are numbered dependencies first, so a row is final before any dependent reads it.
      for (let c = 0; c < count; c++) {
        const base = c * words;
        for (let e = offsets[c] as number, end = offsets[c + 1] as number; e < end; e++) {
          const d = edges[e] as number;
          const from = d * words;
          for (let w = 0; w < words; w++) rows[base + w] = (rows[base + w] as number) | (rows[from + w] as number);
          const col = column[d] as number;
          if (col >= c0 && col < c1) {
            const bit = col - c0;
            rows[base + (bit >>> 5)] = (rows[base + (bit >>> 5)] as number) | (1 << (bit & 31));
          }
        }
      }
      yield { c0, c1, words, rows };
    }
  }
  return { comp, column, chunks };
}

// ------------------------------------------------------------------------------------------------
// Conflicts

interface Member {
  readonly index: number;
  readonly use: Use;
}

function isWrite(use: Use): boolean {
  return use !== "read";
}

/** Which of the two should declare the dependency: a creator goes first, a dropper last, else by version. */
function dependencyDirection(a: Side, b: Side): { first: Side; then: Side } {
  if (a.use !== b.use) {
    if (b.use === "create" || a.use === "drop") return { first: b, then: a };
    if (a.use === "create" || b.use === "drop") return { first: a, then: b };
  }
  return { first: a, then: b }; // a is the earlier version
}

/** One side of a conflict. */
interface Side {
  readonly migration: MigrationFile;
  /** Its main file, relative to the migrations directory. */
  readonly file: string;
  readonly use: Use;
}

function conflictProblem(a: Side, b: Side, table: string): ConflictProblem {
  const what =
    a.use === b.use
      ? `${a.file} and ${b.file} both ${VERB[a.use].both} table ${table}`
      : `${a.file} ${VERB[a.use].one} table ${table} and ${b.file} ${VERB[b.use].one} it`;
  const { first, then } = dependencyDirection(a, b);
  const declaration =
    then.migration.kind === "sql"
      ? `-- stratum:depends ${first.migration.version} in ${then.file}`
      : `dependsOn: ["${first.migration.version}"] in ${then.file}`;
  return {
    code: "CONFLICT",
    message: `${what}, and neither depends on the other.`,
    files: [a.file, b.file],
    fix: `Declare a dependency (${declaration}) so they run in a known order.`,
    severity: "warning",
    versions: [a.migration.version, b.migration.version],
    table,
  };
}

/**
 * Pairs of migrations that touch the same table with no dependency path between them, one warning
 * per pair and table (SPEC §3). In linear mode every pair is ordered by version, so there are none.
 * Two migrations that only read a table do not conflict. `uses` is keyed by version (see
 * `migrationTableUses`); a migration missing from it touches nothing. Migrations sharing a version
 * (a DUPLICATE_VERSION error) are not paired with each other. Sorted by the pair's versions, then table.
 */
export function findConflicts(
  migrations: readonly MigrationFile[],
  uses: ReadonlyMap<string, TableUse>,
  ordering: Ordering,
): ConflictProblem[] {
  if (ordering === "linear" || migrations.length < 2) return [];
  const graph = indexGraph(migrations);
  const n = graph.migrations.length;

  // Index by table: who touches it, and how. Members are in version order.
  const byTable = new Map<string, Member[]>();
  graph.migrations.forEach((m, index) => {
    const use = uses.get(m.version);
    if (use === undefined) return;
    for (const [table, kind] of usesByTable(use)) {
      const members = byTable.get(table);
      if (members === undefined) byTable.set(table, [{ index, use: kind }]);
      else members.push({ index, use: kind });
    }
  });

  // Only tables with two members, one of them writing, can hold a conflict.
  const shared: { readonly table: string; readonly members: readonly Member[] }[] = [];
  const involved = new Uint8Array(n);
  for (const [table, members] of [...byTable].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (members.length < 2 || !members.some((m) => isWrite(m.use))) continue;
    shared.push({ table, members });
    for (const m of members) involved[m.index] = 1;
  }
  if (shared.length === 0) return [];

  // Decide every candidate pair in the chunk holding its earlier component's column; record the
  // unrelated ones as numbers (the pair, the table) so sorting them is a numeric sort.
  const keys = graph.migrations.map((m) => versionKey(m.version));
  const { comp, column, chunks } = closure(graph, involved);
  const tableCount = shared.length;
  const foundPairs: number[] = []; // a * n + b, a < b
  const foundTables: number[] = [];
  // Per table, the members' components and whether they write, as typed arrays for the hot loop.
  const tableComps = shared.map(({ members }) => Int32Array.from(members, (m) => comp[m.index] as number));
  const tableWrites = shared.map(({ members }) => Uint8Array.from(members, (m) => (isWrite(m.use) ? 1 : 0)));
  for (const { c0, c1, words, rows } of chunks()) {
    const width = c1 - c0;
    for (let t = 0; t < tableCount; t++) {
      const { members } = shared[t] as (typeof shared)[number];
      const comps = tableComps[t] as Int32Array;
      const writes = tableWrites[t] as Uint8Array;
      const size = comps.length;
      for (let x = 0; x < size; x++) {
        const writerA = writes[x] === 1;
        const ca = comps[x] as number;
        const colA = (column[ca] as number) - c0;
        const rowA = ca * words;
        for (let y = x + 1; y < size; y++) {
          if (!writerA && writes[y] === 0) continue;
          const cb = comps[y] as number;
          if (ca === cb) continue; // one cycle: reported elsewhere
          let word: number;
          let col: number;
          if (ca < cb) {
            col = colA;
            if (col < 0 || col >= width) continue; // decided in another chunk
            word = rows[cb * words + (col >>> 5)] as number;
          } else {
            col = (column[cb] as number) - c0;
            if (col < 0 || col >= width) continue;
            word = rows[rowA + (col >>> 5)] as number;
          }
          if ((word & (1 << (col & 31))) !== 0) continue; // a dependency path joins them
          const a = (members[x] as Member).index;
          const b = (members[y] as Member).index;
          if (keys[a] === keys[b]) continue; // one version (a DUPLICATE_VERSION error)
          foundPairs.push(a * n + b);
          foundTables.push(t);
        }
      }
    }
  }

  const files = graph.migrations.map(mainFile);
  const problems: ConflictProblem[] = [];
  for (const [pair, t] of sortedPairs(foundPairs, foundTables, tableCount)) {
    const b = pair % n;
    const a = (pair - b) / n;
    const { table, members } = shared[t] as (typeof shared)[number];
    problems.push(
      conflictProblem(
        { migration: graph.migrations[a] as MigrationFile, file: files[a] as string, use: memberUse(members, a) },
        { migration: graph.migrations[b] as MigrationFile, file: files[b] as string, use: memberUse(members, b) },
        table,
      ),
    );
  }
  return problems;
}

/** (pair, table) entries sorted by pair then table: a numeric typed-array sort while keys stay exact. */
function sortedPairs(pairs: readonly number[], tables: readonly number[], tableCount: number): Iterable<readonly [number, number]> {
  const largest = pairs.reduce((max, p) => (p > max ? p : max), 0);
  if ((largest + 1) * tableCount <= Number.MAX_SAFE_INTEGER) {
    const keys = Float64Array.from(pairs, (p, i) => p * tableCount + (tables[i] as number)).sort();
    return Array.from(keys, (key): readonly [number, number] => {
      const t = key % tableCount;
      return [(key - t) / tableCount, t];
    });
  }
  const order = pairs.map((_, i) => i);
  order.sort((x, y) => (pairs[x] as number) - (pairs[y] as number) || (tables[x] as number) - (tables[y] as number));
  return order.map((i): readonly [number, number] => [pairs[i] as number, tables[i] as number]);
}

/** The use of the member with `index` (members are in index order: a binary search). */
function memberUse(members: readonly Member[], index: number): Use {
  let lo = 0;
  let hi = members.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((members[mid] as Member).index < index) lo = mid + 1;
    else hi = mid;
  }
  return (members[lo] as Member).use;
}

/**
 * Who conflicts with whom, from CONFLICT problems: version → the versions it must not run beside
 * (for the parallel scheduler and the graph picture). Symmetric; other problems are ignored.
 */
export function conflictPairs(problems: readonly Problem[]): ReadonlyMap<string, ReadonlySet<string>> {
  const pairs = new Map<string, Set<string>>();
  const link = (from: string, to: string): void => {
    const set = pairs.get(from);
    if (set === undefined) pairs.set(from, new Set([to]));
    else set.add(to);
  };
  for (const problem of problems) {
    if (problem.code !== "CONFLICT") continue;
    const [a, b] = problem.versions ?? [];
    if (a === undefined || b === undefined || a === b) continue;
    link(a, b);
    link(b, a);
  }
  return pairs;
}
