-- The month-end report (CB-03, RPT-01): one row per month, claimed by the one
-- node that makes it. A node that dies while making it leaves the row in
-- 'generating'; another takes it over once claimed_at is old enough.
create table monthly_reports (
  month         text primary key check (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  state         text not null check (state in ('generating', 'done')),
  claimed_by    text not null,
  claimed_at    timestamptz not null,
  generated_at  timestamptz,
  -- the figures as sent (the API recomputes them from the database on demand)
  figures       jsonb
);
