"""Pay: salary rules and schemes, attendance, statements, pay runs and their exports."""
