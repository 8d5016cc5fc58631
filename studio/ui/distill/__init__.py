"""The distillation panel of the Search stage: teacher into student, curves with and without the teacher."""
