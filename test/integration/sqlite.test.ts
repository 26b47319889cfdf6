import { describeDialectContract } from "../contract/dialect-contract.js";
import { sqliteTarget } from "../support/targets.js";

describeDialectContract(sqliteTarget());
