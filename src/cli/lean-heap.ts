// A run that applies or rolls back migrations keeps V8's heap close to what it holds.
//
// V8 lets the old generation grow, after each full collection, by a factor of up to four of what
// survived it. Recording the schema snapshot after a run reads the catalog's rows for every table
// (5,000 tables: tens of thousands of rows, dropped as soon as they are described), and the heap
// was left at about twice what it held. Growing by a tenth instead (issue 16, PostgreSQL, ru_maxrss):
// applying 5,000 migrations peaked at 116–130 MB, now 94–95 MB; one migration applied over 5,000
// at 124–151 MB, now 94–96 MB. Set from the start of every process, the same setting cost a no-op
// `up` over 5,000 applied more collections (2,661 → 2,850 M instructions), so it is set only when
// a run starts with work to do, with one full collection then: the limit V8 set at its last one
// holds until the next. The CLI's own process only: a library user's heap is theirs to tune.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let lean = false;

export function leanHeap(): void {
  if (lean) return;
  lean = true;
  try {
    setFlagsFromString("--heap-growing-percent=10");
    setFlagsFromString("--expose-gc");
    // a new context has the gc function; the CLI's own global does not get one
    (runInNewContext("gc") as () => void)();
  } catch {
    // a runtime without the flags: V8's own growing
  }
}
