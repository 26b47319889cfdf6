// The other tools' history readers, one per tool (see ../foreign-history.ts).

import type { ForeignHistoryReader } from "../foreign-history.js";

export const foreignReaders: readonly ForeignHistoryReader[] = [];
