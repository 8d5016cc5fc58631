"""Headless commands: the same workflow calls as the GUI, printing text or JSON."""
