import type { EventOf } from "../../index.js";
import type { RunRenderer } from "./run-text.js";

/** `--quiet`: prints nothing itself; the command prints the failures once the run is over. */
export function createQuietRenderer(): RunRenderer {
  const failures = new Map<string, EventOf<"migration:error">>();
  return {
    failures,
    listener: (event) => {
      if (event.type === "migration:error") failures.set(event.version, event);
    },
    close: () => undefined,
  };
}
