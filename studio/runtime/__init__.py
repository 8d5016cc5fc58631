"""Running a loaded model on this machine: torch modules directly, ONNX models through onnxruntime."""
