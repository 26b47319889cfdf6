import { describeDialectContract } from "../contract/dialect-contract.js";
import { postgresTarget } from "../support/targets.js";

describeDialectContract(await postgresTarget());
