"""Knowledge distillation: a teacher's soft targets (and optionally its features) train a smaller student.

:mod:`.config` (what to distil and how), :mod:`.losses` (soft-target and feature losses), :mod:`.students`
(zoo models or searched subnets as students), :mod:`.trainer` (one run, with curves) and :mod:`.compare`
(the student with and without distillation over several seeds).
"""
