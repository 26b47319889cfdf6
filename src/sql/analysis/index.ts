// The SQL analysis: each section of a migration analysed once per run, by one pass per statement
// of its dialect's readers, into facts the checks in core/ read.

export type { OpenConstruct, ScriptFacts, SqlAnalyser, StatementFacts, TableUse, TransactionControl } from "../../core/sql-facts.js";
export { mergeTableUses, NO_TABLES } from "../../core/sql-facts.js";
export { migrationTableUse, migrationTableUses } from "../../core/table-use.js";
export { analyseWith, type StatementClass, type StatementReaders } from "./analyse.js";
export { scriptFacts } from "./cache.js";
export type { SplitOptions, SqlDialect } from "./sql-dialect.js";
