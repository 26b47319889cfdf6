-- stratum:description Users who can sign in and place orders.

-- migrate:up
CREATE TABLE users (
  id          INTEGER PRIMARY KEY,
  email       TEXT NOT NULL UNIQUE,
  first_name  TEXT NOT NULL,
  last_name   TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

INSERT INTO users (email, first_name, last_name) VALUES
  ('ada@example.com', 'Ada', 'Lovelace'),
  ('grace@example.com', 'Grace', 'Hopper'),
  ('alan@example.com', 'Alan', 'Turing');

-- migrate:down
DROP TABLE users;
