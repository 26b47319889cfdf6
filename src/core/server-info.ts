import type { DialectName } from "./types.js";

/** Server flavour and version, for `-- stratum:requires`. */
export interface ServerInfo {
  readonly flavor: DialectName | "mariadb";
  readonly version: string;
}
