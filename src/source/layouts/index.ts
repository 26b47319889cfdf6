// The other tools' layouts Stratum reads, in the order detection tries them. Stratum's own layout
// is not listed here: discovery falls back to it when no listed layout claims the directory.

import type { Layout } from "./layout.js";

export const foreignLayouts: readonly Layout[] = [];
