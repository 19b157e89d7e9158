"""Model fields with database-specific storage."""

from django.db import models


class CodeField(models.CharField):
    """A CharField for machine codes (case numbers, source-system ids): ASCII, compared and
    sorted byte by byte. On PostgreSQL its column uses the "C" collation, so index inserts and
    lookups compare bytes instead of calling the locale's collation (measured: the case number
    index cost an import 15 µs a row under C.UTF-8, 7 µs under "C"), and `LIKE 'prefix%'` can
    use the index. Other databases already compare such columns bytewise."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
