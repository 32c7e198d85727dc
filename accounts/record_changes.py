"""The SQL behind accounts.RecordChange: triggers that note, for every write
to a table of records about people, whom the rows are about.

Each app's migration attaches them to its own tables (`attach`). A row is
about its `coach_id` and `client_id` (or, without those columns, its
session's coach and client) and, for an invitation, whoever sent it.
Statement-level triggers: a bulk write of a million rows notes each person
once."""


def _record(rows: str) -> str:
    """The statement that notes whom the rows of a transition table are about."""
    return f"""
        INSERT INTO accounts_recordchange (person_id)
        SELECT DISTINCT person
        FROM (SELECT to_jsonb(r) AS j FROM {rows} AS r) AS changed
        LEFT JOIN sessions_log_session AS s
            ON NOT changed.j ? 'coach_id' AND s.id = (changed.j ->> 'session_id')::bigint
        CROSS JOIN LATERAL (VALUES
            (coalesce((changed.j ->> 'coach_id')::bigint, s.coach_id)),
            (coalesce((changed.j ->> 'client_id')::bigint, s.client_id)),
            ((changed.j ->> 'invited_by_id')::bigint)
        ) AS people (person)
        WHERE person IS NOT NULL;"""  # noqa: S608 - a fixed table name, no input


FUNCTION = f"""
CREATE FUNCTION record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN{_record("new_rows")}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN{_record("old_rows")}
    END IF;
    RETURN NULL;
END;
$$;

-- A person's own account: any change to it is theirs; a new name also shows
-- on the pages of the people they work with now.
CREATE FUNCTION record_person_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts_recordchange (person_id)
    SELECT id FROM new_rows
    UNION
    SELECT CASE WHEN a.client_id = n.id THEN a.coach_id ELSE a.client_id END
    FROM new_rows AS n
    JOIN old_rows AS o ON o.id = n.id
    JOIN accounts_caseloadassignment AS a
        ON (a.client_id = n.id OR a.coach_id = n.id) AND a.ended_at IS NULL
    WHERE n.display_name IS DISTINCT FROM o.display_name;
    RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_user_changed AFTER UPDATE ON accounts_user
REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION record_person_change();

-- A new account joins the people of its team.
CREATE FUNCTION record_person_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts_recordchange (person_id) SELECT id FROM new_rows;
    RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_user_created AFTER INSERT ON accounts_user
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION record_person_created();

-- A team's name shows beside its members.
CREATE FUNCTION record_team_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts_recordchange (person_id)
    SELECT u.id FROM accounts_user AS u JOIN new_rows AS t ON t.id = u.team_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER accounts_team_changed AFTER UPDATE ON accounts_team
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION record_team_change();
"""  # noqa: S608 - fixed SQL, no input

DROP_FUNCTION = """
DROP TRIGGER IF EXISTS accounts_team_changed ON accounts_team;
DROP FUNCTION IF EXISTS record_team_change();
DROP TRIGGER IF EXISTS accounts_user_created ON accounts_user;
DROP FUNCTION IF EXISTS record_person_created();
DROP TRIGGER IF EXISTS accounts_user_changed ON accounts_user;
DROP FUNCTION IF EXISTS record_person_change();
DROP FUNCTION IF EXISTS record_change();
"""

# A trigger with transition tables serves one event.
_EVENTS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}


def attach(table: str, events=tuple(_EVENTS)) -> str:
    return "\n".join(
        f"CREATE TRIGGER {table}_{event}_recorded AFTER {event.upper()} ON {table} "
        f"{_EVENTS[event]} FOR EACH STATEMENT EXECUTE FUNCTION record_change();"
        for event in events
    )


def detach(table: str, events=tuple(_EVENTS)) -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_{event}_recorded ON {table};" for event in events
    )
