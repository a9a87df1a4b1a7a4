-- Roles for a fleet on one PostgreSQL store (see docs/deploy.md, "A fleet").
-- Run as a superuser or the database owner; replace the passwords (or use IAM / cert auth).
--
-- oneiric_owner  owns the schema and runs `oneiric migrate` (once per release: a CI step, a Job)
-- oneiric_app    what every replica connects as: read and write the tables, nothing else
-- oneiric_ops    what operators' CLIs connect as (pause, drain, resume, activity): the same rights

CREATE ROLE oneiric_owner LOGIN PASSWORD 'change-me-owner';
CREATE ROLE oneiric_app LOGIN PASSWORD 'change-me-app';
CREATE ROLE oneiric_ops LOGIN PASSWORD 'change-me-ops';

-- The schema (default name `oneiric`; another one with ?schema=NAME in the store URL).
CREATE SCHEMA oneiric AUTHORIZATION oneiric_owner;

-- Then, as oneiric_owner:  ONEIRIC_ACTIVITY_STORE=postgres://oneiric_owner:…@db/app oneiric migrate
-- and afterwards (again as oneiric_owner, or a superuser):

GRANT USAGE ON SCHEMA oneiric TO oneiric_app, oneiric_ops;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA oneiric TO oneiric_app, oneiric_ops;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA oneiric TO oneiric_app, oneiric_ops;
-- Tables a later migration adds get the same rights without another GRANT:
ALTER DEFAULT PRIVILEGES FOR ROLE oneiric_owner IN SCHEMA oneiric GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO oneiric_app, oneiric_ops;
ALTER DEFAULT PRIVILEGES FOR ROLE oneiric_owner IN SCHEMA oneiric GRANT USAGE, SELECT ON SEQUENCES TO oneiric_app, oneiric_ops;
