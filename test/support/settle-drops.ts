// Runs before every server test file (vitest setupFiles): when the file ends, after its own
// afterAll hooks (vitest runs after-hooks in reverse order of registration, and this one is
// registered first), wait for the PostgreSQL databases it dropped in the background
// (test/support/pending-drops.ts).
import { afterAll } from "vitest";
import { settlePendingDrops } from "./pending-drops.js";

afterAll(settlePendingDrops, 300_000);
