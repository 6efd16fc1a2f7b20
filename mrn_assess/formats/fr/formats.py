# Date formats of the French interface (settings.FORMAT_MODULE_PATH); Django's own for the rest.
# French abbreviates months in lower case with a full stop: "3 déc. 2026" (Django's "N").
SHORT_DATE_FORMAT = "j N Y"  # 3 déc. 2026
SHORT_DATETIME_FORMAT = "j N Y, H:i"  # 3 déc. 2026, 14:05
DATETIME_FORMAT = "j N Y, H:i:s"
