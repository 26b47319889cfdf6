export * from "./model.js";
export * from "./diff.js";
export * from "./drift.js";
