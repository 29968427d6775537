"""The tables of bench/bench_app.py's own routes (never in production), and what empties them:
shared by bench_app.py, which creates them in each worker, and by bench/registration_surge.py
and bench/request_cpu.py, which start every round from none (``LEAST_EMPTY``)."""

BENCH_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_insert ("
    " id BIGSERIAL PRIMARY KEY,"
    " note VARCHAR(100) NOT NULL,"
    " created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)

# /bench/least's own tables: the registrations (one per address), their mails, and the
# webinar's seats as a counter that one conditional UPDATE takes (``taken < capacity``, kept by
# a constraint too): the cheapest seat issue 12 allows, its row lock held from that statement
# to the COMMIT.
LEAST_TABLES = (
    "CREATE TABLE IF NOT EXISTS bench_least ("
    " id BIGSERIAL PRIMARY KEY, email VARCHAR(254) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL,"
    " kana VARCHAR(100) NOT NULL, phone VARCHAR(30) NOT NULL, category VARCHAR(20) NOT NULL,"
    " municipality VARCHAR(6), organisation VARCHAR(200) NOT NULL,"
    " department VARCHAR(100) NOT NULL, occupation VARCHAR(100) NOT NULL,"
    " token VARCHAR(64) NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS bench_least_mail ("
    " id BIGSERIAL PRIMARY KEY, registration_id BIGINT NOT NULL REFERENCES bench_least (id),"
    " recipient VARCHAR(254) NOT NULL, subject VARCHAR(200) NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_least_seats (id INTEGER PRIMARY KEY,"
    " taken INTEGER NOT NULL, capacity INTEGER NOT NULL, CHECK (taken <= capacity))",
    "INSERT INTO bench_least_seats SELECT 1, 0, capacity FROM channel WHERE code = 'webinar'"
    " ON CONFLICT (id) DO UPDATE SET capacity = EXCLUDED.capacity",
    # /bench/least-team's: the teams (one per municipality), their members, their mails and
    # each venue's 受付済 head-count as a counter, which the one statement of a 受付済 team
    # moves on a condition, as the seats above (a team 選定中 takes nothing: no lock).
    "CREATE TABLE IF NOT EXISTS bench_least_team ("
    " id BIGSERIAL PRIMARY KEY, channel VARCHAR(20) NOT NULL,"
    " municipality VARCHAR(6) NOT NULL UNIQUE, status VARCHAR(20) NOT NULL,"
    " note TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS bench_least_team_member ("
    " id BIGSERIAL PRIMARY KEY, team_id BIGINT NOT NULL REFERENCES bench_least_team (id),"
    " position INTEGER NOT NULL, email VARCHAR(254) NOT NULL, name VARCHAR(100) NOT NULL,"
    " kana VARCHAR(100) NOT NULL, phone VARCHAR(30) NOT NULL, category VARCHAR(20) NOT NULL,"
    " municipality VARCHAR(6), organisation VARCHAR(200) NOT NULL,"
    " department VARCHAR(100) NOT NULL, occupation VARCHAR(100) NOT NULL,"
    " token VARCHAR(64) NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS bench_least_team_mail ("
    " id BIGSERIAL PRIMARY KEY, team_id BIGINT NOT NULL REFERENCES bench_least_team (id),"
    " recipient VARCHAR(254) NOT NULL, subject VARCHAR(200) NOT NULL, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_least_venue (channel VARCHAR(20) PRIMARY KEY,"
    " received INTEGER NOT NULL, target INTEGER)",
    "INSERT INTO bench_least_venue SELECT code, 0, capacity FROM channel WHERE kind = 'venue'"
    " ON CONFLICT (channel) DO UPDATE SET target = EXCLUDED.target",
)
# What bench/registration_surge.py and bench/request_cpu.py run to start a round from none.
LEAST_EMPTY = (
    "TRUNCATE bench_least, bench_least_mail, bench_least_team, bench_least_team_member,"
    " bench_least_team_mail",
    "UPDATE bench_least_seats SET taken = 0",
    "UPDATE bench_least_venue SET received = 0",
)
