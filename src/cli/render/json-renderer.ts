import type { EventOf } from "../../index.js";
import type { Output } from "../io.js";
import type { RunRenderer } from "./run-text.js";

/** `--json`: every event as one NDJSON line on stdout; the last one is `run:end`. */
export function createJsonRenderer(output: Output): RunRenderer {
  const failures = new Map<string, EventOf<"migration:error">>();
  return {
    failures,
    listener: (event) => {
      if (event.type === "migration:error") failures.set(event.version, event);
      output.line(JSON.stringify(event));
    },
    close: () => undefined,
  };
}
