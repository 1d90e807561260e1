-- Staff accounts of the operations API and their bearer tokens.
-- Login sessions and named API tokens share staff_tokens (kind tells them
-- apart); only the SHA-256 of a token is stored, so a copy of this table
-- gives no one a working token.
create table staff_users (
  id             uuid primary key default gen_random_uuid(),
  username       text not null unique check (username ~ '^[a-z0-9._-]{3,40}$'),
  display_name   text not null default '' check (length(display_name) <= 100),
  role           text not null check (role in ('agent', 'supervisor', 'admin')),
  -- scrypt$<N>$<r>$<p>$<salt>$<key> (base64url): parameters travel with the hash
  password_hash  text not null,
  active         boolean not null default true,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  last_login_at  timestamptz
);

create table staff_tokens (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null references staff_users (id) on delete cascade,
  kind          text not null check (kind in ('session', 'api')),
  name          text not null check (length(name) between 1 and 100),
  -- hex SHA-256 of the whole token ("hlt_…"); the token itself is shown once
  token_hash    text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  expires_at    timestamptz,
  revoked_at    timestamptz
);

create index staff_tokens_user_id on staff_tokens (user_id, created_at desc);
