"""Meeting sign-in (三会一课扫码签到) on the server: rosters, meetings, attendance, phone page.

- ``schema.py``      the tables (created with the rest of the schema by ``content_server.db``)
- ``roster.py``      a branch's members, imported from a CSV file
- ``meetings.py``    creating a meeting and publishing it to screens as a ``meeting`` item
- ``attendance.py``  signing in, leave requests, the live count and the attendance record
- ``limits.py``      in-memory rate limits for sign-in attempts
- ``pages.py``       the server-rendered phone page and the printable 会议签到表
- ``routes.py``      the HTTP routes (phone page, live count, admin API)
"""
