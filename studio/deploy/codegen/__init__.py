"""C99 code generation for int8 models: one emitter per op kind, constants in flash, one static arena."""
