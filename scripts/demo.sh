#!/usr/bin/env bash
# One command on a fresh machine: install, migrate the SQLite database in instance/, load the
# FY2023 demo event with its registrants, and serve the app on http://127.0.0.1:5000/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=wsgi.py
# Links in mails and the questionnaire's QR codes point at the port served (PORT=5123 …).
export KENSHU_PUBLIC_BASE_URL="${KENSHU_PUBLIC_BASE_URL:-http://127.0.0.1:${PORT:-5000}}"
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo --if-empty --with-registrants
if ! .venv/bin/flask create-staff admin --name "管理者（デモ）" --role admin --password "demo-admin-2023" >/dev/null 2>&1; then
  echo "管理者アカウント admin は作成済みです。"
fi
echo
echo "特設サイト:         http://127.0.0.1:${PORT:-5000}/"
echo "事務局コンソール:   http://127.0.0.1:${PORT:-5000}/console/  （ID: admin / パスワード: demo-admin-2023）"
echo "メールはSMTP未設定のため送信箱に保存されます（事務局コンソール「メール」で確認できます）。"
echo
# The mail sender and the background jobs (long reports, Huey on SQLite in instance/) run beside
# the app; all stop with Ctrl+C.
.venv/bin/flask send-mail --loop --interval 10 &
sender=$!
.venv/bin/flask jobs &
jobs_consumer=$!
trap 'kill $sender $jobs_consumer 2>/dev/null' EXIT
.venv/bin/gunicorn --bind "127.0.0.1:${PORT:-5000}" --workers 4 --worker-class sync --access-logfile - wsgi:app
