"""The neutral graph every model format is read into, and its layout for drawing."""

from studio.graph.ir import Graph, Node, TensorInfo

__all__ = ["Graph", "Node", "TensorInfo"]
