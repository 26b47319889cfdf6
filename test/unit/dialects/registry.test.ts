import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/core/errors.js";
import { createDialect } from "../../../src/dialects/create-dialect.js";
import type { Capabilities, Dialect } from "../../../src/dialects/dialect.js";
import {
  DEFAULT_URL,
  localDatabaseUrl,
  dialectForScheme,
  dialectModules,
  dialectNameOf,
  dialectNames,
  parseDatabaseUrl,
  requirementFlavours,
  SUPPORTED_URL_FORMS,
} from "../../../src/dialects/registry.js";

describe("the dialect registry", () => {
  it("lists each dialect once, by name", () => {
    expect(dialectNames()).toEqual(["sqlite", "postgres", "mysql"]);
    expect(dialectModules().map((module) => module.name)).toEqual(["sqlite", "postgres", "mysql"]);
  });

  it.each([
    ["sqlite", "sqlite"],
    ["file", "sqlite"],
    ["postgres", "postgres"],
    ["postgresql", "postgres"],
    ["POSTGRESQL", "postgres"],
    ["mysql", "mysql"],
    ["mariadb", "mysql"],
  ])("scheme %s → %s", (scheme, name) => {
    expect(dialectForScheme(scheme)?.name).toBe(name);
  });

  it("knows no other scheme", () => {
    expect(dialectForScheme("oracle")).toBeUndefined();
    expect(dialectForScheme("http")).toBeUndefined();
  });

  it.each([
    ["sqlite:./x.db", "sqlite"],
    [":memory:", "sqlite"],
    ["./data/app.sqlite3", "sqlite"],
    ["postgresql://h/db", "postgres"],
    ["mariadb://h/db", "mysql"],
    ["oracle://h/db", undefined],
    ["", undefined],
  ])("dialectNameOf(%j) is %s", (url, name) => {
    expect(dialectNameOf(url)).toBe(name);
  });

  it("refuses an unknown scheme with the same message and fix as before", () => {
    let error: unknown;
    try {
      parseDatabaseUrl("oracle://scott:tiger@db/orcl", "STRATUM_URL");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'unsupported database URL "oracle://scott:***@db/orcl" (from STRATUM_URL); use one of sqlite:./file.db, sqlite::memory:, postgres://user:password@host:5432/database, mysql://user:password@host:3306/database, mariadb://user:password@host:3306/database',
    );
    expect((error as ConfigError).fix).toBe("Use a sqlite:, postgres:// or mysql:// URL, or a path ending in .db.");
  });

  it("lists the supported URL forms in registry order", () => {
    expect(SUPPORTED_URL_FORMS).toEqual([
      "sqlite:./file.db",
      "sqlite::memory:",
      "postgres://user:password@host:5432/database",
      "mysql://user:password@host:3306/database",
      "mariadb://user:password@host:3306/database",
    ]);
  });

  it("maps every name a requirement may use to the server flavour it means", () => {
    expect({ ...requirementFlavours() }).toEqual({
      sqlite: "sqlite",
      postgres: "postgres",
      postgresql: "postgres",
      mysql: "mysql",
      mariadb: "mariadb",
    });
    expect(requirementFlavours()["constructor"]).toBeUndefined();
    expect(requirementFlavours()["oracle"]).toBeUndefined();
  });

  it("defaults to a SQLite file in the working directory", () => {
    expect(DEFAULT_URL).toBe("sqlite:./stratum.db");
    expect(dialectNameOf(DEFAULT_URL)).toBe("sqlite");
    expect(localDatabaseUrl("/tmp/x/test.db")).toBe("sqlite:/tmp/x/test.db");
    expect(parseDatabaseUrl(localDatabaseUrl("/tmp/x/test.db"))).toMatchObject({ dialect: "sqlite", filename: "/tmp/x/test.db" });
  });
});

describe("capability flags match the members they stand for", () => {
  const members: Record<Exclude<keyof Capabilities, "transactionalDdl" | "concurrentConnections">, (d: Dialect) => boolean> = {
    backup: (d) => d.backup !== undefined,
    batchRoundTrip: (d) => d.serverClock !== undefined,
    schemaIntrospection: (d) => d.describeSchema !== undefined,
    headVersion: (d) => d.recordHead !== undefined,
    lockCapacity: (d) => d.transactionLockCapacity !== undefined,
    settleWrites: (d) => d.settleWrites !== undefined,
    sessionLoss: (d) => d.connectionLost !== undefined,
    commitRefusal: (d) => d.commitRefused !== undefined,
    environmentFixes: (d) => d.environmentFix !== undefined,
  };
  // Building a dialect opens no session: no server is needed here.
  it.each(["sqlite::memory:", "postgres://u@127.0.0.1:1/db", "mysql://u@127.0.0.1:1/db"])("%s", async (url) => {
    const dialect = await createDialect({ url, cwd: process.cwd(), environment: {} });
    try {
      for (const [flag, present] of Object.entries(members)) {
        expect(dialect.capabilities[flag as keyof typeof members], flag).toBe(present(dialect));
      }
      expect(Object.keys(dialect.capabilities).sort()).toEqual(
        [...Object.keys(members), "transactionalDdl", "concurrentConnections"].sort(),
      );
    } finally {
      await dialect.dispose();
    }
  });

  it("names backups and the commit guard per dialect", async () => {
    const shown: Record<string, unknown> = {};
    for (const url of ["sqlite::memory:", "postgres://u@127.0.0.1:1/db", "mysql://u@127.0.0.1:1/db"]) {
      const dialect = await createDialect({ url, cwd: process.cwd(), environment: {} });
      const fk = Object.assign(new Error("FOREIGN KEY constraint failed"), { code: "SQLITE_CONSTRAINT_FOREIGNKEY" });
      shown[dialect.name] = [dialect.backupExtension, dialect.isCommitGuardFailure(fk), dialect.isCommitGuardFailure(new Error("x")), dialect.commitGuardNote];
      await dialect.dispose();
    }
    expect(shown).toEqual({
      sqlite: ["db", true, false, "on SQLite, a row that breaks a foreign key fails the same way"],
      postgres: ["dump", false, false, null],
      mysql: ["sql", false, false, null],
    });
  });
});
