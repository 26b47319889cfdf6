export * from "./model.js";
export * from "./diff.js";
