-- stratum schema: sqlite, version 005
-- Written by `stratum schema dump`; `stratum schema load` loads it into an empty database.

CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users (id),
  product_id  INTEGER NOT NULL REFERENCES products (id),
  quantity    INTEGER NOT NULL CHECK (quantity > 0),
  placed_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE products (
  id           INTEGER PRIMARY KEY,
  sku          TEXT NOT NULL UNIQUE,
  title        TEXT NOT NULL,
  price_cents  INTEGER NOT NULL CHECK (price_cents >= 0)
);

CREATE TABLE users (
  id          INTEGER PRIMARY KEY,
  email       TEXT NOT NULL UNIQUE,
  first_name  TEXT NOT NULL,
  last_name   TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
, order_count INTEGER NOT NULL DEFAULT 0, display_name TEXT);

CREATE INDEX orders_user_id_idx ON orders (user_id, placed_at);

CREATE TRIGGER orders_count_insert AFTER INSERT ON orders
BEGIN
  UPDATE users SET order_count = order_count + 1 WHERE id = NEW.user_id;
END;
