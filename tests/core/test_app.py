"""The factory: secret key, database URL, migrations matching the models, Japanese pages."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app import create_app
from app.config import Config


def test_fresh_instance_generates_and_keeps_a_random_secret_key(tmp_path):
    class Fresh(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.sqlite3'}"

    first = create_app(Fresh, instance_path=str(tmp_path / "instance"))
    key_file = tmp_path / "instance" / "secret_key"
    key = first.config["SECRET_KEY"]
    assert key_file.read_text() == key and len(key) == 64
    assert (key_file.stat().st_mode & 0o777) == 0o600
    again = create_app(Fresh, instance_path=str(tmp_path / "instance"))
    assert again.config["SECRET_KEY"] == key  # kept, not regenerated
    other = create_app(Fresh, instance_path=str(tmp_path / "other"))
    assert other.config["SECRET_KEY"] != key  # random per instance, never a fixed key


def test_database_url_from_environment_uses_psycopg(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/kenshu")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/kenshu"
    assert app.config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()  # no key generated when one is given


def test_migrations_create_exactly_the_models(app, db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_pages_are_japanese_and_serve_no_external_assets(client, event):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "https://" not in "".join(
        line for line in html.splitlines() if "<script" in line or "<link" in line
    )
    assert client.get("/nope").status_code == 404
    assert "ページが見つかりません" in client.get("/nope").get_data(as_text=True)
