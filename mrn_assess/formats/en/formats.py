# Date formats of the English interface (settings.FORMAT_MODULE_PATH); Django's own for the rest.
SHORT_DATE_FORMAT = "j M Y"  # 3 Dec 2026
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 3 Dec 2026, 14:05
DATETIME_FORMAT = "j M Y, H:i:s"
