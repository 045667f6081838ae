"""Team building and training: the staffing funnel, materials, exams, training plans and tracks."""
