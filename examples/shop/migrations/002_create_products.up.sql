-- The catalogue. This migration uses the pair layout: 002_create_products.up.sql + .down.sql.
CREATE TABLE products (
  id           INTEGER PRIMARY KEY,
  sku          TEXT NOT NULL UNIQUE,
  title        TEXT NOT NULL,
  price_cents  INTEGER NOT NULL CHECK (price_cents >= 0)
);

INSERT INTO products (sku, title, price_cents) VALUES
  ('BOOK-001', 'Notes on the Analytical Engine', 2500),
  ('MUG-042', 'Compiler mug', 1200);
