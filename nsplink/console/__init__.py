"""The CP console in the browser (issue 22): several operators share the CP's queue, reports,
map, bulletins and shift log, served by the CP's own nsplink, fully offline.

It reads the same store as the CLI and changes it through the same functions (`apply_triage`,
`queue_message`), then wakes the same daemon (`app/nudge`). Layers: `accounts` (operator
passwords), `sessions` (cookies, CSRF, login delay), `live` (one poller telling every browser
that the log moved), `pages` (what each view shows), `web` (the Starlette routes).
"""
