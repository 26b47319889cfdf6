// A run that applies or rolls back migrations keeps V8's heap close to what it holds.
//
// V8 lets the old generation grow, after each full collection, by a factor of up to four of what
// survived it. Recording the schema snapshot after a run reads the catalog's rows for every table
// (5,000 tables: tens of thousands of rows, dropped as soon as they are described), and the heap
// was left at twice what it held: peak RSS 108–151 MB for one migration applied over 5,000. Growing
// by a tenth instead: 86–89 MB (issue 16, README Performance). The setting costs a no-op `up` more
// collections (5,000 applied: 2,661 → 2,850 M instructions), so it is made only once a run starts
// with work to do. V8 reads it at each full collection, so setting it mid-process takes effect.
// The CLI's own process only: a library user's heap is theirs to tune.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let lean = false;

export function leanHeap(): void {
  if (lean) return;
  lean = true;
  try {
    setFlagsFromString("--heap-growing-percent=10");
    // the limit V8 set at its last full collection holds until the next: one now sets the tight one
    setFlagsFromString("--expose-gc");
    (runInNewContext("gc") as () => void)();
  } catch {
    // a runtime without the flags: V8's own growing
  }
}
