import { describeDialectContract } from "../contract/dialect-contract.js";
import { mysqlTarget } from "../support/targets.js";

describeDialectContract(await mysqlTarget());
