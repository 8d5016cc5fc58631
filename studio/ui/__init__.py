"""The PySide6 front end: the only package (with studio.app) that imports Qt."""
