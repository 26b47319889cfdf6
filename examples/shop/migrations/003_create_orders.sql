-- stratum:depends 001 002

-- migrate:up
CREATE TABLE orders (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users (id),
  product_id  INTEGER NOT NULL REFERENCES products (id),
  quantity    INTEGER NOT NULL CHECK (quantity > 0),
  placed_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Keep a running count of orders per user.
ALTER TABLE users ADD COLUMN order_count INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER orders_count_insert AFTER INSERT ON orders
BEGIN
  UPDATE users SET order_count = order_count + 1 WHERE id = NEW.user_id;
END;

INSERT INTO orders (user_id, product_id, quantity) VALUES (1, 1, 1), (2, 2, 3);

-- migrate:down
DROP TRIGGER orders_count_insert;
DROP TABLE orders;
ALTER TABLE users DROP COLUMN order_count;

-- migrate:verify
-- The trigger counted the two seed orders.
SELECT sum(order_count) = 2 FROM users;
