"""The integer-only model format (:mod:`.ir`), its file (:mod:`.serialize`), the reference executor
(:mod:`.reference`, the arithmetic deployed code must match bit for bit) and the lowering from torch
(:mod:`.lower`). Qt-free; torch is imported only by the lowering, inside its functions."""
