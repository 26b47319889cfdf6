// MySQL and MariaDB, through mysql2 (loaded when the first session opens).

import { defineDialect } from "../module.js";
import { splitMysql } from "./sql/split.js";
import { mysqlConnection, mysqlUrlWithDatabase, parseMysqlUrl } from "./url.js";

export const mysql = defineDialect({
  name: "mysql",
  schemes: ["mysql", "mariadb"],
  // `mysql>=8` speaks of MySQL only: a MariaDB server answers the flavour `mariadb` and does not
  // meet it, nor does a MySQL server meet `mariadb>=10`.
  requirementNames: { mysql: "mysql", mariadb: "mariadb" },
  urlForms: ["mysql://user:password@host:3306/database", "mariadb://user:password@host:3306/database"],
  schemeHint: "mysql://",
  parseUrl: parseMysqlUrl,
  splitMarkedStatement: (sql) => splitMysql(sql),
  databaseName: (url) => url.database,
  // A MySQL schema is a database: a tenant's is named in the URL.
  placeTenant: (_parsed, url, schema) => ({ url: mysqlUrlWithDatabase(url, schema) }),
  async openShadow(request) {
    const { openMysqlShadow } = await import("./shadow.js");
    return openMysqlShadow(request);
  },
  async measure() {
    const { mysqlMeasure } = await import("./measure.js");
    return mysqlMeasure;
  },
  async create(url, target) {
    const { mysqlDialect } = await import("./mysql-dialect.js");
    return mysqlDialect({
      connection: mysqlConnection(url, target.filePassword ?? target.environment["MYSQL_PWD"]),
      flavorHint: url.flavorHint,
      displayUrl: target.displayUrl,
      ...(target.client === undefined ? {} : { client: target.client }),
    });
  },
});
