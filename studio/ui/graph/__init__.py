"""The graph view: a native QGraphicsView of a model's graph, with minimap, search and level of detail."""
