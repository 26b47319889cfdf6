// Runs before every test file (vitest setupFiles). Test files share their worker's modules
// (isolate: false in vitest.config.ts), so process-wide state a file may leave behind is put back
// to what a fresh process starts with: the option vocabulary the CLI installs for its messages.
import { optionVocabulary, useVocabulary } from "../../src/core/vocabulary.js";

useVocabulary(optionVocabulary);
