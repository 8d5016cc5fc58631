"""Qt-free core: errors, events, commands with undo, jobs and runners, projects, settings, plugins."""
