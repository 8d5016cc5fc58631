"""Jobs in the GUI: a bridge from the Qt-free job manager to Qt signals, and the panel that lists jobs."""
