-- Every node serves every recording: the audio is kept in the shared
-- database as well as in the recording node's folder (which stays a local
-- copy, read first). One row per stored file, by its path in the store.
-- External storage: WAV barely compresses, and uncompressed values let a
-- Range request read a slice (substring) without reading the whole value.
create table recording_audio (
  path text primary key,
  audio bytea not null,
  sha256 text not null,
  stored_at timestamptz not null default now(),
  stored_by text not null default ''
);
alter table recording_audio alter column audio set storage external;
