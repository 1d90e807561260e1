-- How far the application has imported Asterisk's CDR file of the calls the
-- dialplan handled alone (src/cdr/): per host and file, the byte offset after
-- the last line taken and the file it belongs to (dev:ino), so a restarted
-- application goes on where it stopped and a rotated or truncated file is read
-- again from its start (the import is idempotent: a call's id comes from its
-- Asterisk uniqueid). Keyed by host too: nodes sharing one database each
-- import their own Asterisk's file, which may have the same path.
create table cdr_import (
  host            text not null,
  file            text not null,
  file_id         text not null default '',
  byte_offset     bigint not null default 0 check (byte_offset >= 0),
  imported_calls  bigint not null default 0,
  imported_at     timestamptz,
  updated_at      timestamptz not null default now(),
  primary key (host, file)
);
