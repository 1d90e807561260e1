-- Failed logins, counted in the database so that every node of a cluster
-- sees the same count: with the counts in each process's memory, N nodes
-- behind one address would give a password guesser N times the tries.
-- Rows older than the throttle's window are deleted as new ones come.
create table login_failures (
  -- ["u", username, address] or ["a", address] (JSON: unambiguous whatever the username holds)
  key  text not null,
  at   timestamptz not null
);

create index login_failures_key_at on login_failures (key, at desc);
create index login_failures_at on login_failures (at);
