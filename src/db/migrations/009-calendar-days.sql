-- Public holidays and make-up working days (调休) kept in the database, beside
-- those of config/hotline.yaml: supervisors enter next year's days from the
-- State Council's notice (or import them as iCalendar) without a release.
-- On the same date the database wins over the configuration.
create table calendar_days (
  date    date primary key,
  kind    text not null check (kind in ('holiday', 'makeup-workday')),
  name    text not null default '',
  -- the staff username (or 'service') that entered or imported the day
  set_by  text not null,
  set_at  timestamptz not null default now()
);
