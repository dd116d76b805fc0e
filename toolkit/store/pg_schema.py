"""The PostgreSQL store's schema: its ordered migrations (never edit a released one: append)
and the names the store and :mod:`.pg_admin` share. Plain SQL text, no psycopg.

Version 1 is the whole schema of SQLite's migrations 1-3 with a ``county`` column in every
table of a county's history and in every key, the role maps ``county_roles`` (role ->
county code) and ``city_roles``, and the row-level security policies on every county table:
a role sees, changes and adds only the rows of the county it is mapped to; a city role reads
every row.
"""

from __future__ import annotations

SCHEMA = "gridkit"
# pg_advisory_xact_lock key of the migrations (any constant both sides agree on)
MIGRATION_LOCK = 0x67726964_6B6974  # "gridkit"
# the county tables of version 1 (frozen with it: a later migration adding a table gives
# it its policies itself and appends it to COUNTY_TABLES)
_V1_TABLES = ("submissions", "rows", "findings", "conflicts", "meta", "township_nights",
              "layouts", "letters", "nights")
# the tables holding a county's history (each with a county column and the policies);
# pg_admin grants them to the county and city roles
COUNTY_TABLES = _V1_TABLES

_V1_POLICIES = "\n".join(
    f"""
    ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY county_own ON {t} FOR ALL
        USING (county = (SELECT county FROM county_roles WHERE role = current_user))
        WITH CHECK (county = (SELECT county FROM county_roles WHERE role = current_user));
    CREATE POLICY city_read ON {t} FOR SELECT
        USING (EXISTS (SELECT 1 FROM city_roles WHERE role = current_user));
    """ for t in _V1_TABLES)

MIGRATIONS: list[str] = [
    # 1: today's whole schema (SQLite's migrations 1-3), a county column everywhere, the
    # role maps and the row-level security policies
    """
    CREATE TABLE county_roles (role name PRIMARY KEY, county text NOT NULL);
    CREATE TABLE city_roles (role name PRIMARY KEY);
    CREATE TABLE submissions (
        county text NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        night date NOT NULL,
        township text,
        file_name text NOT NULL,
        archive_path text NOT NULL,
        sha256 text NOT NULL,
        arrived_at timestamp NOT NULL,
        status text NOT NULL DEFAULT '',
        reason text,
        accepted boolean NOT NULL DEFAULT false,
        replaced boolean NOT NULL DEFAULT false,
        rows integer NOT NULL DEFAULT 0,
        errors integer NOT NULL DEFAULT 0,
        warnings integer NOT NULL DEFAULT 0,
        PRIMARY KEY (county, id),
        UNIQUE (county, night, sha256)
    );
    CREATE INDEX submissions_sha ON submissions (county, sha256);
    CREATE TABLE rows (
        county text NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        night date NOT NULL,
        township text NOT NULL,
        submission_id bigint NOT NULL,
        sheet text NOT NULL,
        excel_row integer NOT NULL,
        status text NOT NULL,
        data json NOT NULL,
        source text NOT NULL DEFAULT '',
        PRIMARY KEY (county, id)
    );
    CREATE INDEX rows_night_sheet ON rows (county, night, sheet);
    CREATE TABLE findings (
        county text NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        night date NOT NULL,
        township text,
        submission_id bigint NOT NULL,
        sheet text,
        excel_row integer,
        column_name text,
        cell text,
        rule text NOT NULL,
        severity text NOT NULL,
        message text NOT NULL,
        value text,
        source_sheet text,
        PRIMARY KEY (county, id)
    );
    CREATE INDEX findings_night ON findings (county, night);
    CREATE TABLE conflicts (
        county text NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        night date NOT NULL,
        id_number text NOT NULL,
        township text NOT NULL,
        submission_id bigint,
        sheet text NOT NULL,
        excel_row integer NOT NULL,
        PRIMARY KEY (county, id)
    );
    CREATE INDEX conflicts_night ON conflicts (county, night);
    CREATE TABLE meta (
        county text NOT NULL,
        key text NOT NULL,
        value text,
        PRIMARY KEY (county, key)
    );
    CREATE TABLE township_nights (
        county text NOT NULL,
        night date NOT NULL,
        township text NOT NULL,
        status text NOT NULL,
        submission_id bigint,
        file text,
        arrived_at timestamp,
        rows integer NOT NULL DEFAULT 0,
        errors integer NOT NULL DEFAULT 0,
        warnings integer NOT NULL DEFAULT 0,
        reason text,
        position integer NOT NULL DEFAULT 0,
        PRIMARY KEY (county, night, township)
    );
    CREATE TABLE layouts (
        county text NOT NULL,
        night date NOT NULL,
        sheet text NOT NULL,
        columns text NOT NULL,
        PRIMARY KEY (county, night, sheet)
    );
    CREATE TABLE letters (
        county text NOT NULL,
        submission_id bigint NOT NULL,
        sheet text NOT NULL,
        letters text NOT NULL,
        PRIMARY KEY (county, submission_id, sheet)
    );
    CREATE TABLE nights (
        county text NOT NULL,
        night date NOT NULL,
        completed_at timestamp NOT NULL,
        master text,
        master_note text,
        PRIMARY KEY (county, night)
    );
    """ + _V1_POLICIES,
]


__all__ = ["COUNTY_TABLES", "MIGRATIONS", "MIGRATION_LOCK", "SCHEMA"]
