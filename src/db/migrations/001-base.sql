-- base: reserved; feature tables arrive in later migrations
-- No pgcrypto here: PGlite only offers it when loaded as an extension at start-up,
-- and gen_random_uuid() is built into PostgreSQL 13+ and PGlite alike.
select 1;
